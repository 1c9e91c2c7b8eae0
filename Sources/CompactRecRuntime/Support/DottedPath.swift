/// `prefix.name`, or `name` alone under an empty prefix: the dotted paths of parameters
/// (`blocks.0.conv1.weight`) and of plan keys (`configurations[2].sharing`).
@inline(__always) package func join(_ prefix: String, _ name: String) -> String {
    prefix.isEmpty ? name : prefix + "." + name
}
