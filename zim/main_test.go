package zim_test

import (
	"os"
	"testing"

	"github.com/groupd/groupd/internal/teststore"
)

// backend is the store the package's tests run on; TestMain runs every
// test once per backend (SQLite, and PostgreSQL when reachable).
var backend teststore.Kind

func TestMain(m *testing.M) { os.Exit(teststore.RunMain(m, &backend)) }
