// The public surface of @x/dtls is being built; see the open issue for this layer.
export {};
