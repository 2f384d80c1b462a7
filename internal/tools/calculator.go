package tools

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// calculatorTool evaluates an arithmetic expression with a small recursive-descent
// parser. Nothing is ever executed: the grammar has numbers and operators only.
type calculatorTool struct{ def Definition }

func (t *calculatorTool) Definition() Definition { return t.def }

func (t *calculatorTool) Call(_ context.Context, arguments json.RawMessage) (string, error) {
	var args struct {
		Expression string `json:"expression"`
	}
	if err := decodeArguments(arguments, &args); err != nil {
		return "", err
	}
	v, err := calculate(args.Expression)
	if err != nil {
		return "", err
	}
	return formatNumber(v), nil
}

// Limits that keep a hostile expression cheap.
const (
	maxExpressionLen   = 4096
	maxExpressionDepth = 128
)

// calculate evaluates an arithmetic expression:
//
//	expr    = term { ("+" | "-") term }
//	term    = unary { ("*" | "/" | "%") unary }
//	unary   = ("-" | "+") unary | power
//	power   = primary [ ("^" | "**") unary ]      right-associative; -2^2 = -4, 2^-1 = 0.5
//	primary = number | "(" expr ")"
//	number  = digits [ "." digits ] | "." digits
//
// Spaces are ignored. Division or modulo by zero and a result that is not a finite
// number are errors.
func calculate(expr string) (float64, error) {
	if len(expr) > maxExpressionLen {
		return 0, fmt.Errorf("expression longer than %d characters", maxExpressionLen)
	}
	p := &calcParser{src: expr}
	p.skipSpace()
	if p.pos == len(p.src) {
		return 0, errors.New("empty expression")
	}
	v, err := p.expr()
	if err != nil {
		return 0, err
	}
	if p.pos != len(p.src) {
		return 0, p.errorf("unexpected %q", p.src[p.pos])
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, errors.New("result is not a finite number")
	}
	return v, nil
}

// formatNumber prints integers without an exponent below 1e21, everything else in the
// shortest form that round-trips.
func formatNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e21 {
		if v == 0 {
			return "0" // not "-0"
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

type calcParser struct {
	src   string
	pos   int
	depth int
}

func (p *calcParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at position %d: %s", p.pos+1, fmt.Sprintf(format, args...))
}

func (p *calcParser) skipSpace() {
	for p.pos < len(p.src) {
		switch p.src[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// peek returns the next operator token ("" at the end) without consuming it.
func (p *calcParser) peek() string {
	p.skipSpace()
	if p.pos >= len(p.src) {
		return ""
	}
	if p.src[p.pos] == '*' && p.pos+1 < len(p.src) && p.src[p.pos+1] == '*' {
		return "**"
	}
	return p.src[p.pos : p.pos+1]
}

func (p *calcParser) expr() (float64, error) {
	v, err := p.term()
	if err != nil {
		return 0, err
	}
	for {
		switch op := p.peek(); op {
		case "+", "-":
			p.pos++
			r, err := p.term()
			if err != nil {
				return 0, err
			}
			if op == "+" {
				v += r
			} else {
				v -= r
			}
		default:
			return v, nil
		}
	}
}

func (p *calcParser) term() (float64, error) {
	v, err := p.unary()
	if err != nil {
		return 0, err
	}
	for {
		op := p.peek()
		if op != "*" && op != "/" && op != "%" {
			return v, nil
		}
		at := p.pos
		p.pos++
		r, err := p.unary()
		if err != nil {
			return 0, err
		}
		switch op {
		case "*":
			v *= r
		case "/":
			if r == 0 {
				return 0, fmt.Errorf("at position %d: division by zero", at+1)
			}
			v /= r
		case "%":
			if r == 0 {
				return 0, fmt.Errorf("at position %d: modulo by zero", at+1)
			}
			v = math.Mod(v, r)
		}
	}
}

func (p *calcParser) unary() (float64, error) {
	switch p.peek() {
	case "-", "+":
		neg := p.src[p.pos] == '-'
		p.pos++
		if err := p.enter(); err != nil {
			return 0, err
		}
		v, err := p.unary()
		p.depth--
		if neg {
			v = -v
		}
		return v, err
	}
	return p.power()
}

func (p *calcParser) power() (float64, error) {
	base, err := p.primary()
	if err != nil {
		return 0, err
	}
	switch op := p.peek(); op {
	case "^", "**":
		p.pos += len(op)
		if err := p.enter(); err != nil {
			return 0, err
		}
		exp, err := p.unary()
		p.depth--
		if err != nil {
			return 0, err
		}
		return math.Pow(base, exp), nil
	}
	return base, nil
}

func (p *calcParser) primary() (float64, error) {
	switch c := p.peek(); {
	case c == "":
		return 0, p.errorf("unexpected end of expression")
	case c == "(":
		p.pos++
		if err := p.enter(); err != nil {
			return 0, err
		}
		v, err := p.expr()
		p.depth--
		if err != nil {
			return 0, err
		}
		if p.peek() != ")" {
			return 0, p.errorf("missing )")
		}
		p.pos++
		return v, nil
	case c == "." || (c[0] >= '0' && c[0] <= '9'):
		return p.number()
	default:
		return 0, p.errorf("unexpected %q", c)
	}
}

func (p *calcParser) number() (float64, error) {
	start := p.pos
	digits, dots := 0, 0
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c >= '0' && c <= '9' {
			digits++
		} else if c == '.' && dots == 0 {
			dots++
		} else {
			break
		}
		p.pos++
	}
	if digits == 0 {
		p.pos = start
		return 0, p.errorf("malformed number")
	}
	text := p.src[start:p.pos]
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		p.pos = start
		return 0, p.errorf("malformed number %q", text)
	}
	return v, nil
}

func (p *calcParser) enter() error {
	p.depth++
	if p.depth > maxExpressionDepth {
		return p.errorf("expression nested deeper than %d", maxExpressionDepth)
	}
	return nil
}
