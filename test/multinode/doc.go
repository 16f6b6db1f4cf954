// Package multinode holds the multi-node test: three groupd processes on
// one PostgreSQL database and one Redis, driven at random over HTTP. It has
// no non-test code.
package multinode
