// Package schema owns curator's configuration format: the CUE schema (embedded
// in the binary), loading a snapshot of configuration files, validating it with
// every error carrying file:line:col, and decoding it into the model (package
// model).
//
// schema never does I/O beyond reading the fs.FS it is handed, and never talks
// to a cloud.
package schema
