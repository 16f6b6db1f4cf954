package admin_test

import (
	"github.com/groupd/groupd/api/apitest"
	"github.com/groupd/groupd/internal/testserver"
)

// Every answer these tests receive from a test server is checked against
// api/openapi.json.
func init() { testserver.Check = apitest.Wrap }
