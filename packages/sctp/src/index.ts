// The public surface of @x/sctp is being built; see the open issue for this layer.
export {};
