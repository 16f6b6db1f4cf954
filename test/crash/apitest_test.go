package crash

import (
	"os"
	"testing"

	"github.com/groupd/groupd/api/apitest"
)

// TestMain checks every answer the tests receive through
// http.DefaultTransport (every client here without a Transport of its own)
// against api/openapi.json.
func TestMain(m *testing.M) { os.Exit(apitest.Run(m)) }
