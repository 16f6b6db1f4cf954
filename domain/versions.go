package domain

import "context"

// logMembership records membership inserts or deletes in the group's member
// log and in each user's joined-group log, in the same transaction.
func (s *Service) logMembership(ctx context.Context, tx Tx, groupID string, op int, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	if _, err := s.logVersion(ctx, tx, VersionOwner{Kind: VersionGroupMembers, ID: groupID}, op, userIDs); err != nil {
		return err
	}
	for _, id := range userIDs {
		if _, err := s.logVersion(ctx, tx, VersionOwner{Kind: VersionUserGroups, ID: id}, op, []string{groupID}); err != nil {
			return err
		}
	}
	return nil
}

// logMemberUpdate records changed memberships in the group's member log.
func (s *Service) logMemberUpdate(ctx context.Context, tx Tx, groupID string, userIDs []string) error {
	if len(userIDs) == 0 {
		return nil
	}
	_, err := s.logVersion(ctx, tx, VersionOwner{Kind: VersionGroupMembers, ID: groupID}, OpUpdate, userIDs)
	return err
}
