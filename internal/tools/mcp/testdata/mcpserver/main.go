// Command mcpserver is the MCP server of the mcp package's tests, built from the
// go-sdk: over stdio by default, over streamable HTTP with -http (it prints its URL
// on stdout). With -silent it reads its input and never answers, not even
// initialize.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"syscall"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func main() {
	httpMode := flag.Bool("http", false, "serve streamable HTTP on 127.0.0.1 and print the URL")
	silent := flag.Bool("silent", false, "never answer")
	flag.Parse()
	fmt.Fprintln(os.Stderr, "mcpserver starting")
	if *silent {
		io.Copy(io.Discard, os.Stdin)
		return
	}
	if *httpMode {
		serveHTTP()
		return
	}
	if err := newServer().Run(context.Background(), &mcp.StdioTransport{}); err != nil {
		log.Fatal(err)
	}
}

func serveHTTP() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := newServer()
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil)
	want := os.Getenv("EXPECT_AUTH")
	fmt.Printf("http://%s/mcp\n", ln.Addr())
	go func() { // the test ends the server by closing stdin
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	log.Fatal(http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if want != "" && r.Header.Get("Authorization") != want {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})))
}

func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

func schema(s string) json.RawMessage { return json.RawMessage(s) }

func args(req *mcp.CallToolRequest) map[string]any {
	var m map[string]any
	_ = json.Unmarshal(req.Params.Arguments, &m)
	return m
}

func newServer() *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "mcpserver", Version: "1"}, nil)
	add := func(name, desc, sch string, h mcp.ToolHandler) {
		s.AddTool(&mcp.Tool{Name: name, Description: desc, InputSchema: schema(sch)}, h)
	}
	add("echo", "Echo the message.", `{"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}`,
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return text("Echo: " + fmt.Sprint(args(req)["message"])), nil
		})
	add("add", "Add two numbers.", `{"type":"object","properties":{"a":{"type":"number"},"b":{"type":"number"}},"required":["a","b"]}`,
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			a := args(req)
			x, _ := a["a"].(float64)
			y, _ := a["b"].(float64)
			return text(fmt.Sprintf("The sum of %g and %g is %g.", x, y, x+y)), nil
		})
	add("env", "The value of MCP_TEST_VALUE.", `{"type":"object"}`,
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return text("MCP_TEST_VALUE=" + os.Getenv("MCP_TEST_VALUE") + " OPENAI_API_KEY=" + os.Getenv("OPENAI_API_KEY")), nil
		})
	add("big", "Return n bytes of text.", `{"type":"object","properties":{"n":{"type":"integer"}}}`,
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			n, _ := args(req)["n"].(float64)
			return text(strings.Repeat("x", int(n))), nil
		})
	add("media", "Mixed content.", `{"type":"object"}`,
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: []mcp.Content{
				&mcp.TextContent{Text: "a picture:"},
				&mcp.ImageContent{MIMEType: "image/png", Data: []byte("\x89PNG-not-really-an-image")},
				&mcp.ResourceLink{URI: "file:///tmp/x.txt", Name: "x.txt"},
			}}, nil
		})
	add("fail", "Always fails.", `{"type":"object"}`,
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "the disk is on fire"}}}, nil
		})
	add("hang", "Never returns.", `{"type":"object"}`,
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			select {} // ignores cancellation, as a stuck tool does
		})
	add("freeze", "Stops the whole server process.", `{"type":"object"}`,
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			// Stopped again at once if something resumes it (a job-control
			// SIGCONT), so it never answers again, not even a ping.
			for {
				syscall.Kill(os.Getpid(), syscall.SIGSTOP)
			}
		})
	add("crash", "Exits the server.", `{"type":"object"}`,
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			fmt.Fprintln(os.Stderr, "boom: crashing on purpose")
			os.Exit(3)
			return nil, nil
		})
	add("bad_schema", "Its schema does not compile.", `{"type":"object","properties":{"x":{"type":"nonsense"}}}`,
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return text("unreachable"), nil
		})
	add("grow", "Adds the tool extra (tools/list_changed).", `{"type":"object"}`,
		func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			s.AddTool(&mcp.Tool{Name: "extra", Description: "Added later.", InputSchema: schema(`{"type":"object"}`)},
				func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
					return text("extra here"), nil
				})
			return text("grown"), nil
		})
	return s
}
