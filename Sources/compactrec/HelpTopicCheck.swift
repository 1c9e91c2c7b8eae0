import ArgumentParser

/// Refuses `compactrec help NAME` for a command that does not exist.
///
/// swift-argument-parser's own `help` command shows the general help and exits 0 for a name
/// it does not know, so a typo, or a command CompactRec does not have (`help serve`), looks
/// like success to a script and to a user skimming the output.
enum HelpTopicCheck {
    /// The error for a command line (without the program name) that asks for help on an
    /// unknown command, naming it and the commands there are; nil for any other command line.
    static func error(for arguments: [String], root: ParsableCommand.Type) -> ValidationError? {
        guard arguments.first == "help" else { return nil }
        var command = root
        var path: [String] = []
        for name in arguments.dropFirst() where !name.hasPrefix("-") {
            let subcommands = command.configuration.subcommands
            if path.isEmpty && name == "help" { return nil }
            guard let next = subcommands.first(where: { $0._commandName == name }) else {
                let known = subcommands.map { $0._commandName } + (path.isEmpty ? ["help"] : [])
                let asked = "unknown command '\((path + [name]).joined(separator: " "))'"
                guard let last = known.last else {
                    return ValidationError("\(asked): '\(path.joined(separator: " "))' has no subcommands")
                }
                let list = known.count == 1 ? last : known.dropLast().joined(separator: ", ") + " and " + last
                return ValidationError("\(asked); the commands are \(list)")
            }
            command = next
            path.append(name)
        }
        return nil
    }
}
