// The public surface of @x/webrtc is being built; see the open issue for this layer.
export {};
