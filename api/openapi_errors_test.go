package api_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"lianxin"
	"lianxin/api"
)

// TestOpenAPIErrorResponses checks that every error the document lists
// (a 4xx or 5xx of any operation) is the one Error response — or its
// schema — whose details are described (the option, file, row and diary
// shapes, with their codes and parameters); that the error codes are all
// listed; and that the diary's and the imports' endpoints list the
// refusals they give.
func TestOpenAPIErrorResponses(t *testing.T) {
	srv := api.NewServer(api.Config{}, api.Deps{Logger: quietLogger()})
	_, body := get(t, srv, "/api/openapi.json")
	type response struct {
		Ref     string `json:"$ref"`
		Content map[string]struct {
			Schema struct {
				Ref string `json:"$ref"`
			} `json:"schema"`
		} `json:"content"`
	}
	type schema struct {
		Ref        string             `json:"$ref"`
		Enum       []string           `json:"enum"`
		Required   []string           `json:"required"`
		Properties map[string]*schema `json:"properties"`
		Items      *schema            `json:"items"`
	}
	var doc struct {
		Paths      map[string]map[string]json.RawMessage // an operation, or the path's parameters
		Components struct {
			Schemas   map[string]*schema
			Responses map[string]response
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	const errorResponse, errorSchema = "#/components/responses/Error", "#/components/schemas/Error"
	if got := doc.Components.Responses["Error"].Content["application/json"].Schema.Ref; got != errorSchema {
		t.Fatalf("components.responses.Error's schema = %q, want %s", got, errorSchema)
	}
	type operation struct{ Responses map[string]response }
	op := func(path, method string) (operation, bool) {
		var o operation
		raw, ok := doc.Paths[path][method]
		return o, ok && method != "parameters" && json.Unmarshal(raw, &o) == nil
	}
	for path, ops := range doc.Paths {
		for method := range ops {
			o, ok := op(path, method)
			if !ok {
				continue
			}
			for status, r := range o.Responses {
				if status < "400" {
					continue
				}
				if method == "head" && r.Ref == "" && len(r.Content) == 0 {
					continue // a HEAD answer has no body to describe
				}
				if r.Ref != errorResponse && r.Content["application/json"].Schema.Ref != errorSchema {
					t.Errorf("%s %s %s = %+v, want %s (or a response whose schema is %s)", strings.ToUpper(method), path, status, r, errorResponse, errorSchema)
				}
			}
		}
	}

	errSchema := doc.Components.Schemas["Error"]
	if errSchema == nil || errSchema.Properties["error"] == nil {
		t.Fatalf("components.schemas.Error = %+v, want an object with error", errSchema)
	}
	inner := errSchema.Properties["error"].Properties
	for _, code := range []string{lianxin.EInvalid, lianxin.ENotFound, lianxin.EForbidden, lianxin.EUnauthorized, lianxin.EConflict,
		lianxin.ETooLarge, lianxin.ERateLimited, lianxin.EUnavailable, lianxin.EInternal} {
		if !slices.Contains(inner["code"].Enum, code) {
			t.Errorf("Error's code enum %v, want it to hold %s", inner["code"].Enum, code)
		}
	}
	details := inner["details"]
	if details == nil || details.Ref != "#/components/schemas/ErrorDetails" {
		t.Fatalf("Error's details = %+v, want a $ref to #/components/schemas/ErrorDetails", details)
	}
	d := doc.Components.Schemas["ErrorDetails"]
	if d == nil {
		t.Fatal("no components.schemas.ErrorDetails")
	}
	// Each shape's members: an option's, a refused file's, rejected rows', a diary refusal's.
	for _, p := range []string{"option", "code", "params", "file", "line", "problems", "rejected", "rejects", "field", "reason"} {
		if d.Properties[p] == nil {
			t.Errorf("ErrorDetails has no %s", p)
		}
	}
	for _, list := range []string{"problems", "rejects"} {
		if p := d.Properties[list]; p == nil || p.Items == nil || p.Items.Ref != "#/components/schemas/RowError" {
			t.Errorf("ErrorDetails.%s = %+v, want an array of #/components/schemas/RowError", list, p)
		}
	}
	row := doc.Components.Schemas["RowError"]
	for _, p := range []string{"file", "unit", "line", "field", "header", "reason", "code", "params"} {
		if row == nil || row.Properties[p] == nil {
			t.Errorf("RowError has no %s", p)
		}
	}

	// The refusals each endpoint gives.
	for _, tc := range []struct {
		method, path string
		statuses     []string
	}{
		{"post", "/api/v1/diary", []string{"400", "401", "403"}},
		{"get", "/api/v1/diary", []string{"400", "401", "403"}},
		{"get", "/api/v1/reports/diary-sample", []string{"400", "401", "403"}},
		{"post", "/api/v1/imports/{layer}", []string{"400", "403"}},
		{"get", "/api/v1/imports/template", []string{"400", "403"}},
		{"get", "/api/v1/imports/{id}", []string{"400", "403", "404"}},
		{"get", "/api/v1/imports", []string{"400", "403"}},
	} {
		for _, status := range tc.statuses {
			o, _ := op(tc.path, tc.method)
			if _, ok := o.Responses[status]; !ok {
				t.Errorf("%s %s: no %s response, want one (it refuses so)", strings.ToUpper(tc.method), tc.path, status)
			}
		}
	}
}
