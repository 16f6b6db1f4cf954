package domain

import "context"

func (s *Service) checkAttributes(attrs []Attribute, keysOnly bool) error {
	seen := make(map[string]bool, len(attrs))
	for _, at := range attrs {
		if at.Key == "" {
			return Errorf(KindInvalid, "attribute key is empty")
		}
		if err := s.checkText("attribute key", at.Key, s.limits.MaxAttrKeyLen); err != nil {
			return err
		}
		if !keysOnly {
			if err := s.checkText("value of attribute "+quoted(at.Key), at.Value, s.limits.MaxAttrValueLen); err != nil {
				return err
			}
		}
		if seen[at.Key] {
			return Errorf(KindInvalid, "attribute key %s appears twice", quoted(at.Key))
		}
		seen[at.Key] = true
	}
	return nil
}

// GetAttributes returns a group's attributes by key (members and app admins).
func (s *Service) GetAttributes(ctx context.Context, a Actor, groupID string) ([]Attribute, error) {
	if _, err := s.readableGroup(ctx, a, groupID); err != nil {
		return nil, err
	}
	attrs, err := s.store.GetAttributes(ctx, groupID)
	return attrs, storeErr(err, "read attributes")
}

// PutAttributes upserts attributes (members and app admins). The group may
// hold at most MaxAttributes keys; a call that would exceed it fails whole.
func (s *Service) PutAttributes(ctx context.Context, a Actor, groupID string, attrs []Attribute) error {
	if err := s.checkID("groupID", groupID); err != nil {
		return err
	}
	if len(attrs) == 0 {
		return Errorf(KindInvalid, "attributes list is empty")
	}
	if err := s.checkAttributes(attrs, false); err != nil {
		return err
	}
	return s.changeAttributes(ctx, a, groupID, func(tx Tx, have []Attribute) error {
		keys := make(map[string]bool, len(have)+len(attrs))
		for _, at := range have {
			keys[at.Key] = true
		}
		for _, at := range attrs {
			keys[at.Key] = true
		}
		if len(keys) > s.limits.MaxAttributes {
			return Errorf(KindLimitReached, "group %s would have %d attributes, at most %d allowed", groupID, len(keys), s.limits.MaxAttributes)
		}
		if err := tx.PutAttributes(ctx, groupID, attrs); err != nil {
			return storeErr(err, "put attributes")
		}
		return s.emit(ctx, tx, a, EventAttributesSet, groupID, nil, EventData{Attributes: attrs})
	})
}

// DeleteAttributes removes attributes by key (members and app admins).
func (s *Service) DeleteAttributes(ctx context.Context, a Actor, groupID string, keys []string) error {
	if err := s.checkID("groupID", groupID); err != nil {
		return err
	}
	if len(keys) == 0 {
		return Errorf(KindInvalid, "attribute keys list is empty")
	}
	attrs := make([]Attribute, len(keys))
	for i, k := range keys {
		attrs[i] = Attribute{Key: k}
	}
	if err := s.checkAttributes(attrs, true); err != nil {
		return err
	}
	return s.changeAttributes(ctx, a, groupID, func(tx Tx, _ []Attribute) error {
		if err := tx.DeleteAttributes(ctx, groupID, keys); err != nil {
			return storeErr(err, "delete attributes")
		}
		return s.emit(ctx, tx, a, EventAttributesDeleted, groupID, nil, EventData{Keys: keys})
	})
}

// changeAttributes runs change on a live group the actor belongs to and
// raises the group's DataSeq.
func (s *Service) changeAttributes(ctx context.Context, a Actor, groupID string, change func(Tx, []Attribute) error) error {
	return s.store.Write(ctx, func(tx Tx) error {
		g, err := lockLiveGroup(ctx, tx, groupID)
		if err != nil {
			return err
		}
		if _, err := requireMember(ctx, tx, groupID, a); err != nil {
			return err
		}
		have, err := tx.GetAttributes(ctx, groupID)
		if err != nil {
			return storeErr(err, "read attributes")
		}
		if err := change(tx, have); err != nil {
			return err
		}
		return s.saveGroupData(ctx, tx, g)
	})
}
