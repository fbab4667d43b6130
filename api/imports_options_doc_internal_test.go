package api

import (
	"encoding/json"
	"slices"
	"testing"
)

// Every upload field but the file is refused unless it is one of
// importOptions (onlyImportOptions), so the document's multipart fields of
// POST /api/v1/imports/{layer} are a contract: they must be the file and
// importOptions, both ways.
func TestImportOptionsDocumented(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	var post struct {
		RequestBody struct {
			Content map[string]struct {
				Schema struct {
					Properties map[string]json.RawMessage `json:"properties"`
				} `json:"schema"`
			} `json:"content"`
		} `json:"requestBody"`
	}
	if err := json.Unmarshal(doc.Paths["/api/v1/imports/{layer}"]["post"], &post); err != nil {
		t.Fatalf("openapi.json: POST /api/v1/imports/{layer}: %v", err)
	}
	body, ok := post.RequestBody.Content["multipart/form-data"]
	if !ok {
		t.Fatal("openapi.json: POST /api/v1/imports/{layer} has no multipart/form-data request body")
	}
	var documented []string
	for name, prop := range body.Schema.Properties {
		documented = append(documented, name)
		var p map[string]json.RawMessage
		if err := json.Unmarshal(prop, &p); err != nil {
			t.Errorf("field %s: %v", name, err)
		}
		// A field's object holds its schema's keywords; one holding
		// another field (as lang once sat inside source_layer) hides it.
		for k := range p {
			if slices.Contains(importOptions, k) || k == "file" {
				t.Errorf("openapi.json: upload field %s holds %q: a field nested in another is not a field of the body", name, k)
			}
		}
	}
	accepted := append([]string{"file"}, importOptions...)
	for _, name := range accepted {
		if !slices.Contains(documented, name) {
			t.Errorf("the importer accepts upload field %q; openapi.json does not list it (it lists %v)", name, documented)
		}
	}
	for _, name := range documented {
		if !slices.Contains(accepted, name) {
			t.Errorf("openapi.json lists upload field %q; the importer refuses it (accepts %v)", name, accepted)
		}
	}
}
