//go:build tools

// Package tools pins the binaries this wrapper module builds.
package tools

import (
	_ "github.com/btcsuite/btcd"
	_ "github.com/lightningnetwork/lnd/cmd/lncli"
	_ "github.com/lightningnetwork/lnd/cmd/lnd"
)
