// Package docs holds the documents the anonex binary carries: the OpenAPI
// document of the node's HTTP API (api.yaml), which every node serves at
// GET /v1/openapi.yaml. The rest of this directory is for people.
package docs

import _ "embed"

// OpenAPI is api.yaml, the OpenAPI 3.1 document of the node's HTTP API.
// node/openapi_test.go checks it against the routes the node mounts and
// the types of package api.
//
//go:embed api.yaml
var OpenAPI []byte
