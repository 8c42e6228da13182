// Package cli is the taskmock command: it parses arguments, runs the
// subcommands (validate, specs, version, help) and renders reports. It holds
// no logic another package should own: the contract package judges, the
// specs package knows the documents.
//
// Run is the whole command, testable with buffers; cmd/taskmock only wires
// signals and the exit code around it.
package cli
