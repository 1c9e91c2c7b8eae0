#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always) package func _log(_ x: Double) -> Double { log(x) }
@inline(__always) package func _cos(_ x: Double) -> Double { cos(x) }
@inline(__always) package func _logf(_ x: Float) -> Float { logf(x) }
@inline(__always) package func _expf(_ x: Float) -> Float { expf(x) }
@inline(__always) package func _log2(_ x: Double) -> Double { log2(x) }
@inline(__always) package func _powf(_ x: Float, _ y: Float) -> Float { powf(x, y) }
