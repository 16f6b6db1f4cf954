package domain

import "context"

// GroupWithAttributes returns a group and its attributes (members and app
// admins): what GetGroup then GetAttributes return, reading the group once.
func (s *Service) GroupWithAttributes(ctx context.Context, a Actor, groupID string) (Group, []Attribute, error) {
	if err := s.checkID("groupID", groupID); err != nil {
		return Group{}, nil, err
	}
	g, err := s.readableGroup(ctx, a, groupID)
	if err != nil {
		return g, nil, err
	}
	attrs, err := s.store.GetAttributes(ctx, groupID)
	if err != nil {
		return g, nil, storeErr(err, "read attributes")
	}
	return g, attrs, nil
}
