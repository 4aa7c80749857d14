// Package mapping is the datamapper: it turns a source order from one vendor into a draft
// for the other, with the user's settings and field expressions applied.
//
// It exists so that everything a retailer may want to change about how records move — which
// flows run, default customer, payment and country tables, and each target field as an
// expression over the source — lives in one YAML file with embedded defaults, instead of in
// code. It is pure: no vendor calls, no I/O except reading that file, so activities can call
// it freely and tests need no servers.
package mapping
