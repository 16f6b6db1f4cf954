package storetest

import (
	"testing"

	"github.com/groupd/groupd/domain"
)

var attributeTests = []test{
	{"PutAttributesInsertsAndReplacesAndGetAttributesOrdersByKey", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1", "g2")
		write(t, s, func(tx domain.Tx) error {
			return tx.PutAttributes(t.Context(), "g1", []domain.Attribute{{Key: "b", Value: "1"}, {Key: "a", Value: "2"}})
		})
		write(t, s, func(tx domain.Tx) error {
			return tx.PutAttributes(t.Context(), "g1", []domain.Attribute{{Key: "b", Value: "3"}, {Key: "c", Value: "4"}})
		})
		wantEqual(t, "g1", ok(s.GetAttributes(t.Context(), "g1")).must(t),
			[]domain.Attribute{{Key: "a", Value: "2"}, {Key: "b", Value: "3"}, {Key: "c", Value: "4"}})
		wantEmpty(t, "g2", ok(s.GetAttributes(t.Context(), "g2")).must(t))
	}},
	{"DeleteAttributesIgnoresMissingKeys", func(t *testing.T, s domain.Store) {
		addGroups(t, s, "g1")
		write(t, s, func(tx domain.Tx) error {
			return tx.PutAttributes(t.Context(), "g1", []domain.Attribute{{Key: "a", Value: "1"}, {Key: "b", Value: "2"}, {Key: "c", Value: "3"}})
		})
		write(t, s, func(tx domain.Tx) error { return tx.DeleteAttributes(t.Context(), "g1", []string{"c", "ghost", "a"}) })
		wantEqual(t, "left", ok(s.GetAttributes(t.Context(), "g1")).must(t), []domain.Attribute{{Key: "b", Value: "2"}})
		write(t, s, func(tx domain.Tx) error { return tx.DeleteAttributes(t.Context(), "g1", []string{"b"}) })
		wantEmpty(t, "none left", ok(s.GetAttributes(t.Context(), "g1")).must(t))
	}},
}
