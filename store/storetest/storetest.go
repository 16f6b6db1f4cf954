// Package storetest is the conformance suite every domain.Store backend
// runs: each subtest is named after the rule of domain/store.go it proves.
// It uses only the domain.Store interface, so sqlite and postgres run the
// same checks.
package storetest

import (
	"errors"
	"testing"

	"github.com/groupd/groupd/domain"
)

// Run checks s against the domain.Store contract. open must return a fresh,
// empty store and close it when its test ends (t.Cleanup). Every leaf test
// opens its own store and runs in parallel with the others.
func Run(t *testing.T, open func(t *testing.T) domain.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Users", userTests},
		{"Groups", groupTests},
		{"Search", searchTests},
		{"Members", memberTests},
		{"MemberLists", memberListTests},
		{"Joined", joinedTests},
		{"Attributes", attributeTests},
		{"Requests", requestTests},
		{"Versions", versionTests},
		{"Write", writeTests},
		{"Reads", readTests},
		{"Events", eventTests},
		{"GroupVersions", groupVersionTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, open(t))
				})
			}
		})
	}
}

type test struct {
	name string
	run  func(t *testing.T, s domain.Store)
}

var errBoom = errors.New("boom")
