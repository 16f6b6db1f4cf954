package metrics

import "github.com/groupd/groupd/domain"

// Unwrap returns the instrumented store, so that the domain can find
// optional capabilities on it (domain.Unwrapper); their calls are not
// timed.
func (s *store) Unwrap() domain.Store { return s.Store }
