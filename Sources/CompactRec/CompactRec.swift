// CompactRec trains what CompactRecRuntime serves; an app that imports CompactRec has both.
@_exported import CompactRecRuntime
