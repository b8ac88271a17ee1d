package admin

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/go-chi/chi/v5"
)

// openAPIYAML is the API's OpenAPI 3 document: the contract that requests
// are validated against and that a test holds the router to.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// The bodies of greeting uploads are files: kin-openapi checks them as
// binary strings (the converter checks what they hold).
func init() {
	openapi3filter.RegisterBodyDecoder("audio/wav", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("audio/mpeg", openapi3filter.FileBodyDecoder)
}

// OpenAPI returns the API's OpenAPI document, as YAML.
func OpenAPI() []byte { return append([]byte(nil), openAPIYAML...) }

// spec is the loaded document, with what the handler serves of it.
type spec struct {
	doc  *openapi3.T
	json []byte
}

// loadSpec loads and checks the embedded document.
func loadSpec() (*spec, error) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("admin: OpenAPI document: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("admin: OpenAPI document: %w", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("admin: OpenAPI document: %w", err)
	}
	return &spec{doc: doc, json: b}, nil
}

// route returns the operation of the document that chi routed r to (its
// pattern is the document's path), and its path parameters.
func (s *spec) route(r *http.Request) (*routers.Route, map[string]string, bool) {
	rctx := chi.RouteContext(r.Context())
	if rctx == nil {
		return nil, nil, false
	}
	pattern := rctx.RoutePattern()
	item := s.doc.Paths.Value(pattern)
	if item == nil {
		return nil, nil, false
	}
	op := item.GetOperation(r.Method)
	if op == nil {
		return nil, nil, false
	}
	params := make(map[string]string, len(rctx.URLParams.Keys))
	for i, k := range rctx.URLParams.Keys {
		v := rctx.URLParams.Values[i]
		if u, err := url.PathUnescape(v); err == nil {
			v = u
		}
		params[k] = v
	}
	return &routers.Route{Spec: s.doc, Path: pattern, PathItem: item, Method: r.Method, Operation: op}, params, true
}

// validate checks r against its operation in the document: parameters and
// body. Authentication is the handler's (before this), so the document's
// security requirements are not checked again here.
func (s *spec) validate(r *http.Request) error {
	route, params, ok := s.route(r)
	if !ok {
		return fmt.Errorf("%w: %s %s is not in the OpenAPI document", ErrNotFound, r.Method, r.URL.Path)
	}
	in := &openapi3filter.RequestValidationInput{
		Request: r, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
			RejectWhenRequestBodyNotSpecified: true,
		},
	}
	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		return fmt.Errorf("%w: %s", ErrInvalidRequest, validationMessage(err))
	}
	return nil
}

// validationMessage shortens kin-openapi's error to what a client needs.
func validationMessage(err error) string {
	switch e := err.(type) {
	case *openapi3filter.RequestError:
		reason := e.Reason
		if e.Err != nil {
			reason = shortReason(e.Err)
		}
		if e.Parameter != nil {
			return fmt.Sprintf("parameter %q in %s: %s", e.Parameter.Name, e.Parameter.In, reason)
		}
		if e.RequestBody != nil {
			return "body: " + reason
		}
		return e.Error()
	case openapi3.MultiError:
		if len(e) > 0 {
			return validationMessage(e[0])
		}
	}
	return err.Error()
}

// shortReason is a schema error's reason and where, without the schema
// dump kin-openapi appends.
func shortReason(err error) string {
	if se, ok := err.(*openapi3.SchemaError); ok {
		if p := se.JSONPointer(); len(p) > 0 {
			return fmt.Sprintf("%s: %s", jsonPointer(p), se.Reason)
		}
		return se.Reason
	}
	return err.Error()
}

func jsonPointer(p []string) string {
	out := ""
	for _, s := range p {
		out += "/" + s
	}
	return out
}
