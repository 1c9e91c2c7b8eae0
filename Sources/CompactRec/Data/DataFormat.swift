/// The layout of an interaction file.
///
/// Item and user ids are tokens, never numbers: `7` and `007` are different items. Timestamps,
/// where a format has them, must be numbers (integer or decimal, optionally with an exponent).
/// Blank lines are skipped everywhere.
public enum DataFormat: String, CaseIterable, Codable, Sendable {
    /// Detect the format from the file name and its first lines; see ``DataFormat/detect(path:)``.
    case auto
    /// `user item [timestamp]` per line, separated by spaces, tabs or commas (SASRec's `*.txt`),
    /// or `user item rating timestamp` (the rating is not read). Grouped by user in order of
    /// first appearance; with a timestamp column (then on every line) each user's items are
    /// ordered by time, ties in file order, else kept in file order.
    case pairs
    /// `user item item …` per line, one user per line; items in time order.
    case userSeq = "user-seq"
    /// `item item …` per line, one session per line, separated by spaces, tabs or commas.
    /// The token `-1` is padding and skipped wherever it occurs.
    case seq
    /// A RecBole atomic `.inter` file: tab-separated with a typed header such as
    /// `user_id:token  item_id:token  rating:float  timestamp:float`. The user column is
    /// `user_id` (or else `session_id`), the item column `item_id`, and the optional time
    /// column `timestamp`; other columns are ignored. Ordered by time like ``pairs``.
    case atomic
    /// MovieLens ratings: `u.data` (`user⇥item⇥rating⇥timestamp`), `ratings.dat`
    /// (`user::item::rating::timestamp`), or a comma- or tab-separated file whose header names
    /// the columns (`user`/`userId`/`user_id`, `item`/`itemId`/`item_id`/`movieId`, and
    /// optionally `timestamp`/`time`; any case, in double quotes or not). Grouped by user, ordered by time (ties in file
    /// order), or in file order when a header names no time column.
    case movielens
}
