// The public surface of @x/network is being built; see the open issue for this layer.
export {};
