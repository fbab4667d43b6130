package ingest

import (
	"fmt"

	"lianxin"
)

// AllRejected reports an import with skip-invalid rows whose every row was
// rejected: nothing landed, and it must not read as a success ("the rest
// were imported") nor exit 0. Run records it as rejected, with its
// rejects file kept as for any skip-invalid import (the clerk fixes the
// rows from it); the command line writes that file and exits non-zero
// with AllRejectedError.
func AllRejected(rec Record) bool {
	skip, _ := rec.Options["skip_invalid"].(bool)
	return skip && rec.Rejected > 0 && rec.Inserted+rec.Updated+rec.Unchanged == 0
}

// AllRejectedError is the refusal of an import AllRejected (nil for any
// other), worded as Worded words refused rows.
func AllRejectedError(rec Record) error {
	if !AllRejected(rec) {
		return nil
	}
	first := ""
	if len(rec.Rejects) > 0 {
		first = "; first: " + rec.Rejects[0].Error()
	}
	return &lianxin.Error{Code: lianxin.EInvalid,
		Message: fmt.Sprintf("%s: every row (%d) rejected, nothing imported%s", rec.FileName, rec.Rejected, first),
		Details: map[string]any{"rejected": rec.Rejected, "rejects": rec.Rejects, "all_rejected": true}}
}
