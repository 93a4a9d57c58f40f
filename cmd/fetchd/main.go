// Command fetchd is the download daemon and its terminal client.
package main

import (
	"os"

	"github.com/fetchd/fetchd/cmd/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr)) }
