"""plugnet-static-ipam: an example allocator handing out addresses from a fixed list."""
