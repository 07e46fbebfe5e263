// Stand-in for github.com/TykTechnologies/tyk, for the test host only.
//
// The real gateway cannot be fetched from the Go module proxy here, so the
// test workspace (../../go.work) resolves the import path to this module. It
// declares only what the plugin and the test host use: package log's Get.
// It is test equipment, never shipped, and not Tyk's code.
module github.com/TykTechnologies/tyk

go 1.23

require github.com/sirupsen/logrus v1.9.3

require golang.org/x/sys v0.0.0-20220715151400-c0bba94af5f8 // indirect
