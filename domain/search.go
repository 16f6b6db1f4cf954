package domain

import "context"

// SearchGroups finds a group by exact ID (any status), or pages
// non-dismissed groups, newest first, by name substring (app admins only). It also returns the owners' profiles by ID.
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
	groups, total, err := s.searchGroups(ctx, q)
	if err != nil {
		return nil, nil, 0, err
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

// searchGroups finds the group named by q.GroupID whatever its status (an
// operator looks a dismissed group up by ID, as OpenIM allows), or pages the
// live groups whose name contains q.NameSubstr.
func (s *Service) searchGroups(ctx context.Context, q GroupSearch) ([]Group, int64, error) {
	if q.GroupID == "" {
		groups, total, err := s.store.SearchGroups(ctx, q)
		return groups, total, storeErr(err, "search groups")
	}
	groups, err := s.store.GetGroups(ctx, []string{q.GroupID})
	if err != nil {
		return nil, 0, storeErr(err, "read group")
	}
	return groups, int64(len(groups)), nil
}
