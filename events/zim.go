package events

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"math/big"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/groupd/groupd/domain"
)

// ZIM group callbacks (reference: Callbacks_group_group-created,
// -destroyed, -joined, -left): a JSON POST to one URL with appid, event,
// timestamp (ms), nonce and signature = sha1 of the sorted, concatenated
// callback secret, timestamp and nonce. A 2xx answer is success; otherwise
// the dispatcher retries at 2, 4, 8, 16 and 32 s, as ZIM does, and then,
// unlike ZIM, goes on (backoff up to 10 min) until the retry horizon.
// Changes made through either dialect produce them.

// ZIMConfig configures the ZIM callback sink.
type ZIMConfig struct {
	URL    string
	AppID  int64
	Secret string // the callback secret
	// Timeout bounds one request (default 5s).
	Timeout time.Duration
}

// ZIMCallbacks is the sink of ZIM callbacks.
type ZIMCallbacks struct {
	cfg    ZIMConfig
	client *http.Client
	now    func() time.Time
}

// NewZIMCallbacks returns the sink for cfg.
func NewZIMCallbacks(cfg ZIMConfig) *ZIMCallbacks {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	return &ZIMCallbacks{cfg: cfg, client: &http.Client{}, now: time.Now}
}

// Name implements Sink.
func (*ZIMCallbacks) Name() string { return "zim-callbacks" }

// ZIMSignature is sha1(hex) of secret, timestamp and nonce sorted as
// strings and concatenated.
func ZIMSignature(secret, timestamp, nonce string) string {
	parts := []string{secret, timestamp, nonce}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// ZIM callback bodies.
type (
	zimCommon struct {
		AppID     string `json:"appid"`
		Event     string `json:"event"`
		Timestamp int64  `json:"timestamp"`
		Nonce     string `json:"nonce"`
		Signature string `json:"signature"`
	}
	zimAttribute struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}
	zimGroupCreate struct {
		zimCommon
		GroupID         string         `json:"group_id"`
		OperatorAccount string         `json:"operator_account"`
		OwnerAccount    string         `json:"owner_account"`
		GroupName       string         `json:"group_name"`
		Attributes      []zimAttribute `json:"attributes"`
		UserIDs         []string       `json:"user_ids"`
	}
	zimGroupDestroy struct {
		zimCommon
		GroupID         string   `json:"group_id"`
		OperatorAccount string   `json:"operator_account"`
		OwnerAccount    string   `json:"owner_account"`
		UserIDs         []string `json:"user_ids"`
	}
	zimGroupJoin struct {
		zimCommon
		GroupID         string   `json:"group_id"`
		OperatorAccount string   `json:"operator_account"`
		JoinType        string   `json:"join_type"` // Apply or Invited
		NewUserIDs      []string `json:"new_user_ids"`
	}
	zimGroupExit struct {
		zimCommon
		GroupID         string   `json:"group_id"`
		ExitType        string   `json:"exit_type"` // Quit or Kickout
		OperatorAccount string   `json:"operator_account"`
		ExitUserIDs     []string `json:"exit_user_ids"`
	}
)

// Deliver posts the event's ZIM callback, if ZIM has one.
func (z *ZIMCallbacks) Deliver(ctx context.Context, ev domain.Event) error {
	body, err := z.body(ev)
	if err != nil {
		return Permanent(err)
	}
	if body == nil {
		return nil
	}
	return postJSON(ctx, z.client, z.cfg.Timeout, z.cfg.URL, nil, ev.ID, body)
}

func (z *ZIMCallbacks) common(event string) zimCommon {
	ts := z.now().UnixMilli()
	n, _ := rand.Int(rand.Reader, big.NewInt(1_000_000_000))
	nonce := n.String()
	return zimCommon{AppID: strconv.FormatInt(z.cfg.AppID, 10), Event: event, Timestamp: ts, Nonce: nonce,
		Signature: ZIMSignature(z.cfg.Secret, strconv.FormatInt(ts, 10), nonce)}
}

func orEmpty(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// body returns ev's callback body, nil when ZIM has none.
func (z *ZIMCallbacks) body(ev domain.Event) (any, error) {
	switch ev.Type {
	case domain.EventGroupCreated, domain.EventGroupDismissed, domain.EventMembersJoined,
		domain.EventMemberQuit, domain.EventMembersKicked:
	default:
		return nil, nil
	}
	d, err := ev.Decode()
	if err != nil {
		return nil, err
	}
	owner := ""
	if d.Group != nil {
		owner = d.Group.OwnerUserID
	}
	switch ev.Type {
	case domain.EventGroupCreated:
		b := zimGroupCreate{zimCommon: z.common("group_create"), GroupID: ev.GroupID, OperatorAccount: ev.OperatorUserID,
			OwnerAccount: owner, Attributes: []zimAttribute{}, UserIDs: []string{}}
		if d.Group != nil {
			b.GroupName = d.Group.Name
		}
		if b.OperatorAccount == "" {
			b.OperatorAccount = owner
		}
		for _, a := range d.Attributes {
			b.Attributes = append(b.Attributes, zimAttribute(a))
		}
		for _, m := range d.Members {
			b.UserIDs = append(b.UserIDs, m.UserID)
		}
		return b, nil
	case domain.EventGroupDismissed:
		return zimGroupDestroy{zimCommon: z.common("group_destroy"), GroupID: ev.GroupID, OperatorAccount: ev.OperatorUserID,
			OwnerAccount: owner, UserIDs: orEmpty(d.UserIDs)}, nil
	case domain.EventMembersJoined:
		jt, op := "Apply", ""
		if d.JoinKind == domain.JoinKindInvite {
			jt, op = "Invited", ev.OperatorUserID
		}
		ids := make([]string, 0, len(d.Members))
		for _, m := range d.Members {
			ids = append(ids, m.UserID)
		}
		return zimGroupJoin{zimCommon: z.common("group_join"), GroupID: ev.GroupID, OperatorAccount: op, JoinType: jt, NewUserIDs: ids}, nil
	case domain.EventMemberQuit:
		return zimGroupExit{zimCommon: z.common("group_exit"), GroupID: ev.GroupID, ExitType: "Quit", ExitUserIDs: orEmpty(d.UserIDs)}, nil
	default: // kicked
		return zimGroupExit{zimCommon: z.common("group_exit"), GroupID: ev.GroupID, ExitType: "Kickout",
			OperatorAccount: ev.OperatorUserID, ExitUserIDs: orEmpty(d.UserIDs)}, nil
	}
}
