// pionpeer: one pion/webrtc v3 PeerConnection driven over line-delimited JSON on stdin and
// stdout, for the interop tests of tools/interop/webrtc (pion.ts is its other half) and
// tools/interop/media (pion-media.ts).
//
// Each input line is a command {"id":N,"op":"...",...}; each gets one reply
// {"id":N,"result":...} or {"id":N,"error":"..."}. Everything else the peer has to say is an
// event line {"event":"...",...,"t":<unix ms>}. pion only talks over 127.0.0.1 (UDP, no mDNS).
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/interceptor"
	"github.com/pion/logging"
	"github.com/pion/webrtc/v3"
)

type channelOptions struct {
	Ordered           *bool   `json:"ordered,omitempty"`
	MaxRetransmits    *uint16 `json:"maxRetransmits,omitempty"`
	MaxPacketLifeTime *uint16 `json:"maxPacketLifeTime,omitempty"`
	Negotiated        *bool   `json:"negotiated,omitempty"`
	ID                *uint16 `json:"id,omitempty"`
}

type command struct {
	ID          int                        `json:"id"`
	Op          string                     `json:"op"`
	Description *webrtc.SessionDescription `json:"description,omitempty"`
	Candidate   *webrtc.ICECandidateInit   `json:"candidate,omitempty"`
	Label       string                     `json:"label,omitempty"`
	Options     *channelOptions            `json:"options,omitempty"`
	Text        *string                    `json:"text,omitempty"`
	Binary      []byte                     `json:"binary,omitempty"`
}

type peer struct {
	out      *json.Encoder
	outMu    sync.Mutex
	pc       *webrtc.PeerConnection
	mu       sync.Mutex
	channels map[string]*webrtc.DataChannel
	echo     bool
	media    *loopback // the media echo (media.go), once addEchoTracks made it
	// readers counts the incoming tracks' read loops (onTrack), so that close replies only
	// after each has reported trackEnded: the process may exit right after the reply.
	readers sync.WaitGroup
}

func now() float64 { return float64(time.Now().UnixNano()) / 1e6 }

func (p *peer) write(v map[string]interface{}) {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	_ = p.out.Encode(v)
}

func (p *peer) event(name string, fields map[string]interface{}) {
	v := map[string]interface{}{"event": name, "t": now()}
	for k, f := range fields {
		v[k] = f
	}
	p.write(v)
}

// watch reports a channel's state changes and messages; an echo channel sends every
// message back instead of reporting it.
func (p *peer) watch(dc *webrtc.DataChannel, echo bool) {
	label := dc.Label()
	p.mu.Lock()
	p.channels[label] = dc
	p.mu.Unlock()
	dc.OnOpen(func() { p.event("channel", map[string]interface{}{"label": label, "state": "open"}) })
	dc.OnClose(func() { p.event("channel", map[string]interface{}{"label": label, "state": "closed"}) })
	dc.OnError(func(err error) {
		p.event("channel", map[string]interface{}{"label": label, "state": "error", "error": err.Error()})
	})
	dc.OnMessage(func(m webrtc.DataChannelMessage) {
		if echo {
			var err error
			if m.IsString {
				err = dc.SendText(string(m.Data))
			} else {
				err = dc.Send(m.Data)
			}
			if err != nil {
				p.event("log", map[string]interface{}{"message": "echo on " + label + ": " + err.Error()})
			}
			return
		}
		if m.IsString {
			p.event("message", map[string]interface{}{"label": label, "text": string(m.Data)})
		} else {
			p.event("message", map[string]interface{}{"label": label, "binary": m.Data})
		}
	})
}

func (p *peer) channel(label string) (*webrtc.DataChannel, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	dc, ok := p.channels[label]
	if !ok {
		return nil, fmt.Errorf("no channel %q", label)
	}
	return dc, nil
}

func (p *peer) handle(c command) (interface{}, error) {
	switch c.Op {
	case "createOffer":
		return p.pc.CreateOffer(nil)
	case "createAnswer":
		return p.pc.CreateAnswer(nil)
	case "setLocal":
		return nil, p.pc.SetLocalDescription(*c.Description)
	case "setRemote":
		return nil, p.pc.SetRemoteDescription(*c.Description)
	case "addCandidate":
		return nil, p.pc.AddICECandidate(*c.Candidate)
	case "openChannel":
		init := &webrtc.DataChannelInit{}
		if o := c.Options; o != nil {
			init.Ordered, init.MaxRetransmits, init.MaxPacketLifeTime = o.Ordered, o.MaxRetransmits, o.MaxPacketLifeTime
			init.Negotiated, init.ID = o.Negotiated, o.ID
		}
		dc, err := p.pc.CreateDataChannel(c.Label, init)
		if err != nil {
			return nil, err
		}
		p.watch(dc, false)
		return nil, nil
	case "echoIncoming":
		p.mu.Lock()
		p.echo = true
		p.mu.Unlock()
		return nil, nil
	case "send":
		dc, err := p.channel(c.Label)
		if err != nil {
			return nil, err
		}
		if c.Text != nil {
			return nil, dc.SendText(*c.Text)
		}
		return nil, dc.Send(c.Binary)
	case "channelState":
		dc, err := p.channel(c.Label)
		if err != nil {
			return nil, nil //nolint:nilerr // an unknown channel has no state
		}
		return dc.ReadyState().String(), nil
	case "closeChannel":
		dc, err := p.channel(c.Label)
		if err != nil {
			return nil, err
		}
		return nil, dc.Close()
	case "connectionState":
		return p.pc.ConnectionState().String(), nil
	case "addEchoTracks":
		return p.addEchoTracks()
	case "bye":
		return p.bye()
	case "mediaStats":
		return p.mediaStats(), nil
	case "close":
		at := now()
		err := p.pc.Close()
		// Close stops the receivers, so every ReadRTP fails; wait (2 s at most) for the read
		// loops to say so before the reply.
		done := make(chan struct{})
		go func() { p.readers.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
		return map[string]interface{}{"closedAt": at}, err
	}
	return nil, fmt.Errorf("unknown op %q", c.Op)
}

func main() {
	s := webrtc.SettingEngine{}
	// pion logs to stdout by default, which carries the protocol here; PION_LOG_DEBUG and
	// PION_LOG_TRACE (e.g. "sctp,dtls") choose what it logs.
	logs := logging.NewDefaultLoggerFactory()
	logs.Writer = os.Stderr
	s.LoggerFactory = logs
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	s.SetIPFilter(func(ip net.IP) bool { return ip.Equal(net.IPv4(127, 0, 0, 1)) })
	s.SetIncludeLoopbackCandidate(true)
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	// What webrtc.NewPeerConnection would set up: the default codecs (VP8, VP9, H.264, Opus,
	// G.722, PCMU, PCMA) and the default interceptors (NACK generator and responder, sender
	// and receiver reports, transport-wide CC feedback). A data-only session is the same.
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ir := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, ir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	api := webrtc.NewAPI(webrtc.WithSettingEngine(s), webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir))
	pc, err := api.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	p := &peer{out: json.NewEncoder(os.Stdout), pc: pc, channels: map[string]*webrtc.DataChannel{}}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c == nil || c.Address != "127.0.0.1" || c.Protocol != webrtc.ICEProtocolUDP {
			return
		}
		p.event("candidate", map[string]interface{}{"candidate": c.ToJSON()})
	})
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		p.event("connectionState", map[string]interface{}{"state": s.String()})
	})
	pc.OnTrack(p.onTrack)
	pc.OnDataChannel(func(dc *webrtc.DataChannel) {
		p.mu.Lock()
		echo := p.echo
		p.mu.Unlock()
		p.watch(dc, echo)
	})

	in := bufio.NewReader(os.Stdin)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 {
			var c command
			if jerr := json.Unmarshal(line, &c); jerr != nil {
				p.write(map[string]interface{}{"id": -1, "error": jerr.Error()})
			} else if result, herr := p.handle(c); herr != nil {
				p.write(map[string]interface{}{"id": c.ID, "error": herr.Error()})
			} else {
				p.write(map[string]interface{}{"id": c.ID, "result": result})
			}
		}
		if err != nil {
			break // stdin closed: the test is done with this peer
		}
	}
	_ = pc.Close()
}
