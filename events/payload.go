package events

import (
	"encoding/json"

	"github.com/groupd/groupd/domain"
)

// Payload is an event as the change feed (SSE) and the NATS sink send it:
// JSON, with the event's data as it was logged (domain.EventData).
type Payload struct {
	ID             int64           `json:"id"`
	Type           string          `json:"type"`
	Partition      string          `json:"partition"`
	Seq            int64           `json:"seq"`
	GroupID        string          `json:"groupID,omitempty"`
	UserIDs        []string        `json:"userIDs,omitempty"`
	Time           int64           `json:"time"`
	OperatorUserID string          `json:"operatorUserID,omitempty"`
	Dialect        string          `json:"dialect,omitempty"`
	OperationID    string          `json:"operationID,omitempty"`
	Data           json.RawMessage `json:"data,omitempty"`
}

// MarshalEvent encodes ev as a Payload.
func MarshalEvent(ev domain.Event) ([]byte, error) {
	p := Payload{ID: ev.ID, Type: ev.Type, Partition: ev.Partition, Seq: ev.Seq, GroupID: ev.GroupID,
		UserIDs: ev.UserIDs, Time: ev.Time, OperatorUserID: ev.OperatorUserID, Dialect: ev.Dialect,
		OperationID: ev.OperationID}
	if len(ev.Data) > 0 && json.Valid(ev.Data) {
		p.Data = ev.Data
	}
	return json.Marshal(p)
}
