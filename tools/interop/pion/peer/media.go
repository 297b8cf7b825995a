// The media half of pionpeer: a loopback SFU. addEchoTracks gives the PeerConnection one
// local track per kind (VP8 video, Opus audio, TrackLocalStaticRTP) on a sendrecv
// transceiver; every RTP packet read from the incoming track of that kind is written back on
// it, as an SFU forwards to a subscriber (pion rewrites the SSRC and payload type to its
// sender's, and keeps sequence numbers, timestamps, header extensions and payload). A PLI or
// FIR on a local track is reported and passed upstream as a PLI on the incoming track's SSRC.
// The bye command writes an RTCP BYE for the echo tracks' SSRCs (pion 3.1 sends none itself).
//
// Events: track (OnTrack fired), trackEnded (its ReadRTP failed: how, after how many
// packets), bye (an RTCP BYE read on a receiver), keyframeRequest (a PLI or FIR read on a
// sender).
package main

import (
	"fmt"
	"sync"

	"github.com/pion/rtcp"
	"github.com/pion/webrtc/v3"
)

// kindStats counts one kind's media as pion saw it.
type kindStats struct {
	LocalSSRC   uint32 `json:"localSsrc"`   // our sender's SSRC (pion's local track)
	RemoteSSRC  uint32 `json:"remoteSsrc"`  // the incoming track's SSRC
	PacketsIn   int    `json:"packetsIn"`   // RTP read from the incoming track
	BytesIn     int    `json:"bytesIn"`     // their payload bytes
	PacketsOut  int    `json:"packetsOut"`  // written back without error
	WriteErrors int    `json:"writeErrors"` // WriteRTP errors
	SR          int    `json:"sr"`          // sender reports read on the receiver
	SDES        int    `json:"sdes"`        // source descriptions read on the receiver
	Bye         int    `json:"bye"`         // BYEs read on the receiver
	RRBlocks    int    `json:"rrBlocks"`    // report blocks about our sender (RR or SR)
	PLI         int    `json:"pli"`         // PLIs read on our sender
	FIR         int    `json:"fir"`         // FIRs read on our sender
	NACK        int    `json:"nack"`        // NACKs read on our sender
	Forwarded   int    `json:"forwarded"`   // keyframe requests passed upstream
}

// loopback is the echo: a local track per kind and what was counted.
type loopback struct {
	mu     sync.Mutex
	tracks map[string]*webrtc.TrackLocalStaticRTP
	stats  map[string]*kindStats
}

// The capabilities of the echo tracks: pion's default VP8 and Opus. The track binds to the
// codec negotiated with the same MIME type.
var echoCodecs = map[string]webrtc.RTPCodecCapability{
	"video": {MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
	"audio": {MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, SDPFmtpLine: "minptime=10;useinbandfec=1"},
}

func (l *loopback) count(kind string, f func(s *kindStats)) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f(l.stats[kind])
}

// addEchoTracks adds a VP8 and an Opus local track. Before an offer, AddTrack makes a
// sendrecv transceiver for each; after a remote offer, it takes the offer's transceiver of
// that kind, so that the answer says sendrecv.
func (p *peer) addEchoTracks() (interface{}, error) {
	l := &loopback{tracks: map[string]*webrtc.TrackLocalStaticRTP{}, stats: map[string]*kindStats{}}
	mids := map[string]string{}
	for _, kind := range []string{"video", "audio"} {
		track, err := webrtc.NewTrackLocalStaticRTP(echoCodecs[kind], "echo-"+kind, "pion-echo")
		if err != nil {
			return nil, err
		}
		sender, err := p.pc.AddTrack(track)
		if err != nil {
			return nil, err
		}
		l.tracks[kind] = track
		l.stats[kind] = &kindStats{}
		if enc := sender.GetParameters().Encodings; len(enc) > 0 {
			l.stats[kind].LocalSSRC = uint32(enc[0].SSRC)
		}
		for _, t := range p.pc.GetTransceivers() {
			if t.Sender() == sender {
				mids[kind] = t.Mid()
			}
		}
		go p.readSenderRTCP(l, kind, sender)
	}
	p.mu.Lock()
	p.media = l
	p.mu.Unlock()
	return map[string]interface{}{"mids": mids}, nil
}

// readSenderRTCP reads what the peer says about our echo track: report blocks, keyframe
// requests (passed upstream) and NACKs (the NACK responder answers those). Reading is what
// lets the interceptors see them.
func (p *peer) readSenderRTCP(l *loopback, kind string, sender *webrtc.RTPSender) {
	for {
		packets, _, err := sender.ReadRTCP()
		if err != nil {
			return
		}
		for _, packet := range packets {
			switch r := packet.(type) {
			case *rtcp.PictureLossIndication:
				l.count(kind, func(s *kindStats) { s.PLI++ })
				p.keyframeRequest(l, kind, "pli", r.MediaSSRC)
			case *rtcp.FullIntraRequest:
				l.count(kind, func(s *kindStats) { s.FIR++ })
				p.keyframeRequest(l, kind, "fir", r.MediaSSRC)
			case *rtcp.TransportLayerNack:
				l.count(kind, func(s *kindStats) { s.NACK++ })
			case *rtcp.ReceiverReport:
				l.count(kind, func(s *kindStats) { s.RRBlocks += blocksAbout(r.Reports, s.LocalSSRC) })
			case *rtcp.SenderReport:
				l.count(kind, func(s *kindStats) { s.RRBlocks += blocksAbout(r.Reports, s.LocalSSRC) })
			}
		}
	}
}

func blocksAbout(reports []rtcp.ReceptionReport, ssrc uint32) int {
	n := 0
	for _, r := range reports {
		if r.SSRC == ssrc {
			n++
		}
	}
	return n
}

// keyframeRequest reports a PLI or FIR on our sender and, as an SFU does, asks the
// publisher (the incoming track of the same kind) for a keyframe with a PLI.
func (p *peer) keyframeRequest(l *loopback, kind, request string, mediaSSRC uint32) {
	var upstream uint32
	l.count(kind, func(s *kindStats) { upstream = s.RemoteSSRC })
	fields := map[string]interface{}{"kind": kind, "request": request, "mediaSsrc": mediaSSRC}
	if upstream != 0 {
		err := p.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: upstream}})
		if err != nil {
			fields["error"] = err.Error()
		} else {
			fields["forwardedTo"] = upstream
			l.count(kind, func(s *kindStats) { s.Forwarded++ })
		}
	}
	p.event("keyframeRequest", fields)
}

// onTrack reports an incoming track and echoes it on the local track of its kind (when
// addEchoTracks made one), until its ReadRTP fails.
func (p *peer) onTrack(track *webrtc.TrackRemote, receiver *webrtc.RTPReceiver) {
	p.readers.Add(1)
	defer p.readers.Done()
	kind := track.Kind().String()
	codec := track.Codec()
	mid := ""
	for _, t := range p.pc.GetTransceivers() {
		if t.Receiver() == receiver {
			mid = t.Mid()
		}
	}
	p.mu.Lock()
	l := p.media
	p.mu.Unlock()
	var echo *webrtc.TrackLocalStaticRTP
	if l != nil {
		echo = l.tracks[kind]
		l.count(kind, func(s *kindStats) { s.RemoteSSRC = uint32(track.SSRC()) })
	}
	p.event("track", map[string]interface{}{
		"kind": kind, "ssrc": uint32(track.SSRC()), "mid": mid, "payloadType": uint8(track.PayloadType()),
		"mimeType": codec.MimeType, "clockRate": codec.ClockRate, "channels": codec.Channels,
		"fmtp": codec.SDPFmtpLine, "streamId": track.StreamID(), "trackId": track.ID(),
	})
	if l != nil {
		go p.readReceiverRTCP(l, kind, receiver)
	}
	packets, bytes := 0, 0
	for {
		packet, _, err := track.ReadRTP()
		if err != nil {
			p.event("trackEnded", map[string]interface{}{
				"kind": kind, "ssrc": uint32(track.SSRC()), "packets": packets, "bytes": bytes, "error": err.Error(),
			})
			return
		}
		packets++
		bytes += len(packet.Payload)
		if echo == nil {
			continue
		}
		werr := echo.WriteRTP(packet)
		l.count(kind, func(s *kindStats) {
			s.PacketsIn++
			s.BytesIn += len(packet.Payload)
			if werr != nil {
				s.WriteErrors++
			} else {
				s.PacketsOut++
			}
		})
	}
}

// readReceiverRTCP reads what the peer says about its own stream: SR, SDES, BYE.
func (p *peer) readReceiverRTCP(l *loopback, kind string, receiver *webrtc.RTPReceiver) {
	for {
		packets, _, err := receiver.ReadRTCP()
		if err != nil {
			return
		}
		for _, packet := range packets {
			switch r := packet.(type) {
			case *rtcp.SenderReport:
				l.count(kind, func(s *kindStats) { s.SR++ })
			case *rtcp.SourceDescription:
				l.count(kind, func(s *kindStats) { s.SDES++ })
			case *rtcp.Goodbye:
				l.count(kind, func(s *kindStats) { s.Bye++ })
				p.event("bye", map[string]interface{}{"kind": kind, "sources": r.Sources})
			}
		}
	}
}

// bye sends an RTCP BYE for the echo tracks' SSRCs (RFC 3550 §6.6), as an application must
// before Close(): pion 3.1 sends none itself, on Close() or on a sender's Stop().
func (p *peer) bye() (interface{}, error) {
	p.mu.Lock()
	l := p.media
	p.mu.Unlock()
	if l == nil {
		return nil, fmt.Errorf("no echo tracks")
	}
	sources := []uint32{}
	l.mu.Lock()
	for _, kind := range []string{"video", "audio"} {
		sources = append(sources, l.stats[kind].LocalSSRC)
	}
	l.mu.Unlock()
	return map[string]interface{}{"sources": sources}, p.pc.WriteRTCP([]rtcp.Packet{&rtcp.Goodbye{Sources: sources}})
}

// mediaStats is what the echo counted, by kind.
func (p *peer) mediaStats() map[string]kindStats {
	p.mu.Lock()
	l := p.media
	p.mu.Unlock()
	out := map[string]kindStats{}
	if l == nil {
		return out
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for kind, s := range l.stats {
		out[kind] = *s
	}
	return out
}
