// Package sdkcompat drives the real groupd binary through OpenIM's own Go SDK
// (openim-sdk-core v3.8.3) and its protocol structs.
package sdkcompat
