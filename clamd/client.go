package clamd

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/sigtool/sigtool/mailscan"
)

// Client talks to a clamd-protocol server: ours, or clamd itself.
type Client struct {
	Network, Addr string
	// Timeout bounds each request as a whole; 0 means none.
	Timeout time.Duration
}

// NewClient reads an address: "unix:/path" or an absolute path for a
// Unix socket, "host:port" (or "tcp:host:port") for TCP.
func NewClient(addr string) (*Client, error) {
	switch {
	case strings.HasPrefix(addr, "unix:"):
		return &Client{Network: "unix", Addr: strings.TrimPrefix(addr, "unix:")}, nil
	case strings.HasPrefix(addr, "/"):
		return &Client{Network: "unix", Addr: addr}, nil
	}
	a := strings.TrimPrefix(addr, "tcp:")
	if _, _, err := net.SplitHostPort(a); err != nil {
		return nil, fmt.Errorf("clamd: address %q: want unix:/path/to.sock or host:port", addr)
	}
	return &Client{Network: "tcp", Addr: a}, nil
}

func (c *Client) String() string { return c.Network + ":" + c.Addr }

func (c *Client) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, c.Network, c.Addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	return conn, nil
}

func (c *Client) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	if c.Timeout > 0 {
		return context.WithTimeout(ctx, c.Timeout)
	}
	return context.WithCancel(ctx)
}

// Command sends "zCMD\0" and returns the reply without its terminator.
func (c *Client) Command(ctx context.Context, cmd string) (string, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	conn, err := c.dial(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "z"+cmd+"\x00"); err != nil {
		return "", err
	}
	return readReply(bufio.NewReader(conn))
}

func readReply(br *bufio.Reader) (string, error) {
	s, err := br.ReadString(0)
	if err != nil {
		return s, fmt.Errorf("clamd: reply %q: %w", s, err)
	}
	return strings.TrimSuffix(s, "\x00"), nil
}

// writeChunks sends r as INSTREAM chunks and the zero length.
func writeChunks(w io.Writer, r io.Reader) error {
	buf := make([]byte, 4+64<<10)
	for {
		n, err := io.ReadFull(r, buf[4:])
		if n > 0 {
			binary.BigEndian.PutUint32(buf, uint32(n))
			if _, werr := w.Write(buf[:4+n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return err
		}
	}
	_, err := w.Write([]byte{0, 0, 0, 0})
	return err
}

// Instream scans r's bytes: the reply is "stream: OK", "stream: NAME
// FOUND" or "... ERROR".
func (c *Client) Instream(ctx context.Context, r io.Reader) (string, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	conn, err := c.dial(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	bw := bufio.NewWriterSize(conn, 64<<10)
	bw.WriteString("zINSTREAM\x00")
	if err := writeChunks(bw, r); err != nil {
		return "", err
	}
	if err := bw.Flush(); err != nil {
		// The server may have answered (size limit) and closed: read it.
		if s, rerr := readReply(bufio.NewReader(conn)); rerr == nil {
			return s, nil
		}
		return "", err
	}
	return readReply(bufio.NewReader(conn))
}

// MailScan sends one message under the daemon's policy and returns the
// verdict and the message to deliver (nil for delete and error).
func (c *Client) MailScan(ctx context.Context, msg []byte, env mailscan.Envelope) (*MailReply, []byte, error) {
	ctx, cancel := c.ctx(ctx)
	defer cancel()
	conn, err := c.dial(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer conn.Close()
	cmd := "zMAILSCAN"
	for _, r := range env.Recipients {
		cmd += " rcpt=" + url.QueryEscape(r)
	}
	if env.Direction != "" {
		cmd += " direction=" + env.Direction
	}
	if env.ID != "" {
		cmd += " id=" + url.QueryEscape(env.ID)
	}
	bw := bufio.NewWriterSize(conn, 64<<10)
	bw.WriteString(cmd + "\x00")
	if err := writeChunks(bw, strings.NewReader(string(msg))); err != nil {
		return nil, nil, err
	}
	werr := bw.Flush()
	br := bufio.NewReader(conn)
	line, err := readReply(br)
	if err != nil {
		return nil, nil, errors.Join(werr, err)
	}
	var rep MailReply
	if err := json.Unmarshal([]byte(line), &rep); err != nil {
		return nil, nil, fmt.Errorf("clamd: MAILSCAN: %s", line)
	}
	if rep.Size < 0 || rep.Size > 1<<32 {
		return nil, nil, fmt.Errorf("clamd: MAILSCAN: size %d", rep.Size)
	}
	body := make([]byte, rep.Size)
	if _, err := io.ReadFull(br, body); err != nil {
		return nil, nil, fmt.Errorf("clamd: MAILSCAN: message cut short after %d of %d bytes: %w", len(body), rep.Size, err)
	}
	if rep.Size == 0 {
		body = nil
	}
	return &rep, body, nil
}
