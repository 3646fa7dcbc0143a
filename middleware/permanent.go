package middleware

import "errors"

// ErrPermanent marks errors that retrying cannot fix: Retry gives up at once
// and PoisonQueue sends the message to the poison queue.
var ErrPermanent = errors.New("permanent failure")

type permanentError struct{ err error }

func (e permanentError) Error() string   { return e.err.Error() }
func (e permanentError) Unwrap() []error { return []error{e.err, ErrPermanent} }

// Permanent marks err as permanent. A handler returns Permanent(err) for a
// message it will never be able to handle (a payload it cannot decode, an
// event that breaks an invariant); errors.Is(err, ErrPermanent) then holds,
// and the original error stays matchable. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err: err}
}

// IsPermanent tells whether err was marked with Permanent.
func IsPermanent(err error) bool {
	return errors.Is(err, ErrPermanent)
}
