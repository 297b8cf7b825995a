// The public surface of @x/ice is being built; see the open issue for this layer.
export {};
