// Package middleware holds the Watermill handler middleware of the dict-events
// router: correlation ID propagation, retry with exponential backoff, the
// poison queue and a per-attempt timeout. Each is a plain
// message.HandlerMiddleware, usable on any Watermill router.
//
// Order matters. Added outermost first, the router uses:
//
//	Recoverer → CorrelationID → PoisonQueue → Retry → Timeout → handler
//
// so a failing message is retried first and poisoned only when the retries
// are exhausted, or at once when the error is Permanent.
package middleware
