package domain

import "context"

// SearchGroups pages non-dismissed groups, newest first, by exact ID and/or
// name substring (app admins only). It also returns the owners' profiles by ID.
func (s *Service) SearchGroups(ctx context.Context, a Actor, q GroupSearch) ([]Group, map[string]User, int64, error) {
	if err := requireAppAdmin(a); err != nil {
		return nil, nil, 0, err
	}
	if err := CheckPage(q.Page); err != nil {
		return nil, nil, 0, err
	}
	if err := s.checkText("groupName", q.NameSubstr, s.limits.MaxNameLen); err != nil {
		return nil, nil, 0, err
	}
	if err := s.checkText("groupID", q.GroupID, s.limits.MaxIDLen); err != nil {
		return nil, nil, 0, err
	}
	groups, total, err := s.store.SearchGroups(ctx, q)
	if err != nil {
		return nil, nil, 0, storeErr(err, "search groups")
	}
	owners := make([]string, 0, len(groups))
	for _, g := range groups {
		owners = append(owners, g.OwnerUserID)
	}
	users := map[string]User{}
	if len(owners) > 0 {
		if users, err = existingUsers(ctx, s.store, owners); err != nil {
			return nil, nil, 0, err
		}
	}
	return groups, users, total, nil
}
