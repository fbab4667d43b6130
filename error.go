package lianxin

import (
	"errors"
	"fmt"
)

// Error codes, one per way a request can fail. The HTTP layer maps each to a
// status in one place; nothing else decides statuses.
const (
	EInvalid      = "invalid"
	ENotFound     = "not_found"
	EForbidden    = "forbidden"
	EUnauthorized = "unauthorized"
	EConflict     = "conflict"
	ETooLarge     = "too_large"
	ERateLimited  = "rate_limited" // too many attempts (sign-in); retry later
	EUnavailable  = "unavailable"
	EInternal     = "internal"
)

// ErrConnectionLost marks an "unavailable" error whose database connection
// died under it (a terminated backend, a restarted server). Nothing the
// request read was wrong, so a read may be run again on a fresh connection.
var ErrConnectionLost = errors.New("database connection lost")

// Error is an error meant for the caller: Code says what kind, Message is
// safe to show, Details (optional) carries structured context such as the
// file, row and field of a rejected import row.
type Error struct {
	Code    string
	Message string
	Details any
}

func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Refusal is what an *Error carries in Details when a program (the web
// map) words the refusal in its user's language: the parameter or field
// refused as the API names it ("" for the request as a whole), a reason
// code and its parameters. Message stays the English sentence for other
// clients. A reason once published keeps its meaning and parameters; the
// diary and account refusals have the same JSON shape.
type Refusal struct {
	Field  string         `json:"field,omitempty"`
	Reason string         `json:"reason"`
	Params map[string]any `json:"params,omitempty"`
}

// Refuse returns an *Error of code with a Refusal in Details and the
// formatted English message.
func Refuse(code, field, reason string, params map[string]any, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Details: Refusal{Field: field, Reason: reason, Params: params}}
}

// RefusalOf is the Refusal of the first *Error in err's chain, if it has one.
func RefusalOf(err error) (Refusal, bool) {
	var e *Error
	if !errors.As(err, &e) {
		return Refusal{}, false
	}
	r, ok := e.Details.(Refusal)
	return r, ok
}

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EInternal
// when there is none: an error we did not describe is our fault.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EInternal
}

// ErrorMessage returns the caller-safe message of err, or a generic one for
// internal errors so that no SQL, path or personal field leaks out.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
