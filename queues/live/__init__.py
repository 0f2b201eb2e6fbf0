"""Live updates: one reader per deployment follows the queues, renders each change once and
sends it to channel groups; WebSocket consumers only forward what their user may see."""
