package zim_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// Many clients at once: every request is answered, the rate limiters and
// the nonce store hold up under the race detector, and the member count
// matches the joins.
func TestConcurrentRequests(t *testing.T) {
	e := newEnv(t, withQPS(100000, 100000))
	users := ids(40, "p")
	e.register(append([]string{"admin", "o"}, users...)...)
	e.group("g", "o")
	var wg sync.WaitGroup
	errs := make(chan error, len(users)*2)
	for _, id := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range []struct {
				action string
				body   any
			}{
				{"InviteUsersIntoGroup", obj{"FromUserId": "o", "GroupId": "g", "UserIds": []string{id}}},
				{"QueryGroupMemberList", obj{"GroupId": "g", "Limit": 5}},
			} {
				b, _ := json.Marshal(c.body)
				resp, err := http.Post(e.srv.URL+"/?"+e.signed(c.action).Encode(), "application/json", bytes.NewReader(b))
				if err != nil {
					errs <- err
					return
				}
				var env struct{ Code int }
				err = json.NewDecoder(resp.Body).Decode(&env)
				resp.Body.Close()
				if err != nil || env.Code != 0 {
					errs <- fmt.Errorf("%s for %s: code %d, %v", c.action, id, env.Code, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ml := e.members("g"); ml.TotalCount != int64(len(users)+1) || len(ml.MemberList) != len(users)+1 {
		t.Fatalf("TotalCount %d, listed %d", ml.TotalCount, len(ml.MemberList))
	}
}
