package diary

import (
	"fmt"

	"lianxin"
)

// Refusal is what an *lianxin.Error from the diary carries in Details:
// the field refused (as the API names it; "" for the entry as a whole), a
// reason code and its parameters, so that the web map words the refusal
// in the page's language (i18n.js diary.refusal.<reason>) while Message
// keeps the English sentence for other clients. A reason once published
// keeps its meaning and parameters.
type Refusal struct {
	Field  string         `json:"field,omitempty"`
	Reason string         `json:"reason"`
	Params map[string]any `json:"params,omitempty"`
}

// Refusal reasons, by the status they come with.
const (
	// 400
	ReasonIDMissing          = "id_missing"
	ReasonIDBad              = "id_bad"            // {value}
	ReasonHouseholdMissing   = "household_missing" //
	ReasonHouseholdBad       = "household_bad"     // {value}
	ReasonMemberBad          = "member_bad"        // {value}
	ReasonMemberMissing      = "member_missing"    // no member role of one's own
	ReasonMemberSeveral      = "member_several"    // {codes}
	ReasonKindMissing        = "kind_missing"      // {allowed}
	ReasonKindBad            = "kind_bad"          // {value, allowed}
	ReasonCountRange         = "count_range"       // {value, max}
	ReasonResolvedOver       = "resolved_over"     // {resolved, collected}
	ReasonNotesTooLong       = "notes_too_long"    // {n, max}
	ReasonNotesControl       = "notes_control"     //
	ReasonTimeBad            = "time_bad"          // {value}
	ReasonTimeFuture         = "time_future"       // {value, now}
	ReasonTimeBeforeCampaign = "time_before"       // {value, start}
	ReasonPlacePair          = "place_pair"        // lon without lat or lat without lon
	ReasonPlaceNotNumber     = "place_not_number"  // {value}
	ReasonPlaceSwapped       = "place_swapped"     // {lon, lat}
	ReasonPlaceOutside       = "place_outside"     // {lon, lat}
	ReasonLimitRange         = "limit_range"       // {value}
	ReasonOffsetRange        = "offset_range"      // {value, max}
	ReasonFilterBad          = "filter_bad"        // {value, max}
	ReasonRangeEmpty         = "range_empty"       // {from, to}
	ReasonBodyBad            = "body_bad"          // not one JSON object of an entry's fields
	ReasonFieldType          = "field_type"        // {want}: number, bool, text
	ReasonUnknownField       = "unknown_field"     //
	ReasonBodyTooLarge       = "body_too_large"    // {max} (413)
	ReasonNoHousehold        = "no_household"      // {value} (404)
	ReasonNoMember           = "no_member"         // {value} (404)
	ReasonWriteRole          = "write_role"        // (403)
	ReasonReadRole           = "read_role"         // (403)
	ReasonReadGrant          = "read_needs_grant"  // (403) others' entries need household_points
	ReasonForOtherGrant      = "for_other_needs_grant"
	ReasonMemberSelfOnly     = "member_self_only"     // (403)
	ReasonIDTaken            = "id_taken"             // {value} (409)
	ReasonIDWrittenOtherwise = "id_written_otherwise" // {value, field} (409)
	ReasonTooMany            = "too_many"             // {n} (429)
	ReasonMemberLeft         = "member_left"          // {value, left_on, day}: the member left before that day
)

// Reasons lists every refusal reason; the web map words each (a test
// checks).
var Reasons = []string{
	ReasonIDMissing, ReasonIDBad, ReasonHouseholdMissing, ReasonHouseholdBad, ReasonMemberBad, ReasonMemberMissing,
	ReasonMemberSeveral, ReasonKindMissing, ReasonKindBad, ReasonCountRange, ReasonResolvedOver, ReasonNotesTooLong,
	ReasonNotesControl, ReasonTimeBad, ReasonTimeFuture, ReasonTimeBeforeCampaign, ReasonPlacePair, ReasonPlaceNotNumber,
	ReasonPlaceSwapped, ReasonPlaceOutside, ReasonLimitRange, ReasonOffsetRange, ReasonFilterBad, ReasonRangeEmpty, ReasonBodyBad, ReasonFieldType, ReasonUnknownField,
	ReasonBodyTooLarge, ReasonNoHousehold, ReasonNoMember, ReasonWriteRole, ReasonReadRole, ReasonReadGrant,
	ReasonForOtherGrant, ReasonMemberSelfOnly, ReasonIDTaken, ReasonIDWrittenOtherwise, ReasonTooMany, ReasonMemberLeft,
	// Corrections and withdrawals (edit.go).
	ReasonNoEntry, ReasonChangeLate, ReasonChangeGrant, ReasonChangeEmpty, ReasonChangeRole, ReasonReasonLong, ReasonHouseholdNo,
}

// Refuse is a diary refusal: code the error's (status), field and reason
// its Refusal, the message its English sentence ("field: …" when a field
// is named).
func Refuse(code, field, reason string, params map[string]any, format string, args ...any) *lianxin.Error {
	msg := fmt.Sprintf(format, args...)
	if field != "" {
		msg = field + ": " + msg
	}
	return &lianxin.Error{Code: code, Message: msg, Details: Refusal{Field: field, Reason: reason, Params: params}}
}
