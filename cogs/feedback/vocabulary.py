"""Product vocabulary for the duplicate finder: synonyms, phrases, filler words and contrast sets.

Members describe one wish in many words ("phone app" / "mobile" / "iOS", "dark theme" / "night
mode"). TF-IDF alone sees different tokens; mapping them to one canonical token first is what lets
paraphrases meet. Contrast sets name canonical tokens that make two otherwise alike texts into
different items ("dark mode on mobile" is not "dark mode on desktop").
"""

from __future__ import annotations

# Single words (after lemmatisation) -> canonical token. Keys are lemmas as simplemma returns them.
SYNONYMS: dict[str, str] = {
    # platforms
    "phone": "mobile", "smartphone": "mobile", "cellphone": "mobile", "cell": "mobile", "handy": "mobile",
    "iphone": "ios", "ipad": "tablet",
    "android": "android", "pixel": "android", "samsung": "android",
    "pc": "desktop", "computer": "desktop", "laptop": "desktop",
    "window": "windows", "windows": "windows", "macos": "mac", "macbook": "mac", "osx": "mac",
    "linux": "linux", "ubuntu": "linux",
    "website": "web", "site": "web", "browser": "web", "webapp": "web", "webpage": "web",
    "chrome": "chrome", "firefox": "firefox", "safari": "safari", "edge": "edge",
    # third-party services: each is its own item ("login with Google" is not "login with GitHub")
    "google": "google", "gmail": "google", "github": "github", "gitlab": "gitlab", "slack": "slack",
    "teams": "teams", "discord": "discord", "zapier": "zapier", "jira": "jira", "trello": "trello",
    "notion": "notion", "outlook": "outlook", "microsoft": "microsoft", "whatsapp": "whatsapp",
    "facebook": "facebook", "twitter": "twitter", "apple": "ios",
    # looks
    "theme": "theme", "colour": "color", "colours": "color", "color": "color", "palette": "color",
    "darkmode": "darkmode", "lightmode": "lightmode", "dark": "darkmode", "darker": "darkmode",
    "custom": "custom", "customise": "custom", "customize": "custom", "personalise": "custom",
    "personalize": "custom", "own": "custom", "costume": "custom",
    "font": "font", "typeface": "font", "letter": "font", "bigger": "large", "larger": "large", "big": "large",
    "huge": "large", "small": "small", "tiny": "small", "smaller": "small",
    # notifications
    "notification": "notify", "notify": "notify", "alert": "notify", "reminder": "notify", "ping": "notify",
    "notif": "notify", "notifs": "notify",
    "e-mail": "email", "mail": "email", "email": "email", "newsletter": "email",
    "sms": "sms", "texting": "sms",
    "push": "push",
    # accounts and access
    "login": "login", "logon": "login", "signin": "login", "password": "password", "passwd": "password",
    "pwd": "password", "passcode": "password", "passkey": "passkey",
    "2fa": "2fa", "mfa": "2fa", "otp": "2fa", "authenticator": "2fa",
    "sso": "sso", "saml": "sso", "okta": "sso",
    "account": "account", "profile": "account", "avatar": "avatar", "picture": "photo", "photo": "photo",
    "pic": "photo", "image": "photo", "foto": "photo", "screenshot": "photo",
    "username": "username", "nickname": "username", "handle": "username",
    # data movement
    "export": "export", "download": "download", "backup": "backup", "import": "import", "upload": "upload",
    "csv": "csv", "spreadsheet": "excel", "excel": "excel", "xlsx": "excel", "pdf": "pdf", "json": "json",
    # failures
    "crash": "crash", "freeze": "crash", "froze": "crash", "frozen": "crash", "hang": "crash", "bug": "bug",
    "glitch": "bug", "broken": "bug", "break": "bug", "error": "bug", "fail": "bug",
    "slow": "slow", "lag": "slow", "forever": "slow", "ages": "slow", "laggy": "slow", "sluggish": "slow",
    "latency": "slow", "sloooow": "slow",
    "fast": "fast", "faster": "fast", "quick": "fast", "speed": "fast", "performance": "fast",
    "start": "start", "startup": "start", "launch": "start", "boot": "start", "open": "start",
    "internet": "network", "wifi": "network", "connection": "network", "network": "network", "4g": "network",
    "data": "data", "datas": "data", "everything": "data", "stuff": "data", "info": "data",
    "battery": "battery", "drain": "drain",
    # actions on things
    "delete": "remove", "remove": "remove", "erase": "remove", "discard": "remove", "deletion": "remove",
    "archive": "archive", "hide": "archive", "archiving": "archive",
    "pin": "pin", "sticky": "pin",
    "edit": "edit", "modify": "edit", "change": "edit", "rename": "rename",
    "search": "search", "find": "search", "lookup": "search", "filter": "filter",
    "sort": "sort", "order": "sort", "reorder": "sort", "rearrange": "sort",
    "newest": "date", "recent": "date", "latest": "date", "oldest": "date", "date": "date",
    "chronological": "date", "alphabetical": "alphabetical", "alphabetically": "alphabetical",
    "undo": "undo", "revert": "undo",
    "share": "share", "link": "link", "invite": "invite",
    "schedule": "schedule", "calendar": "calendar", "event": "event",
    "recurring": "recur", "recur": "recur", "repeat": "recur", "repeating": "recur", "recurrence": "recur",
    "authentication": "auth", "auth": "auth", "verification": "auth",
    "navigate": "navigate", "navigation": "navigate", "move": "navigate", "jump": "navigate",
    "server": "community", "community": "community", "guild": "community", "workspace": "community",
    "chat": "message", "message": "message", "dm": "dm", "msg": "message", "post": "message",
    "reply": "reply", "answer": "reply", "respond": "reply", "comment": "reply",
    "thread": "thread", "threaded": "thread",
    "conversation": "message", "group": "group",
    "receipt": "receipt", "seen": "receipt",
    "emoji": "emoji", "emoticon": "emoji", "reaction": "emoji", "sticker": "sticker", "gif": "gif",
    "keyboard": "keyboard", "shortcut": "shortcut", "hotkey": "shortcut", "keybind": "shortcut",
    "offline": "offline",
    "translate": "language", "translation": "language", "language": "language", "localisation": "language",
    "localization": "language", "i18n": "language", "traduction": "language", "version": "version",
    "french": "french", "francais": "french", "francaise": "french", "deutsch": "german",
    "espanol": "spanish", "german": "german", "spanish": "spanish", "portuguese": "portuguese",
    "italian": "italian", "japanese": "japanese", "polish": "polish", "dutch": "dutch",
    "price": "price", "pricing": "price", "cost": "price", "cheap": "price", "cheaper": "price",
    "expensive": "price", "discount": "price", "coupon": "price",
    "student": "student", "teacher": "student", "school": "student", "university": "student",
    "nonprofit": "nonprofit", "ngo": "nonprofit", "charity": "nonprofit", "enterprise": "enterprise",
    "subscription": "plan", "subscribe": "plan", "plan": "plan", "tier": "plan", "billing": "billing",
    "invoice": "invoice",
    "refund": "refund", "payment": "payment", "pay": "payment", "paypal": "paypal", "card": "card",
    "monthly": "monthly", "month": "monthly", "yearly": "yearly", "annual": "yearly", "annually": "yearly",
    "year": "yearly", "weekly": "weekly", "week": "weekly", "daily": "daily", "day": "daily",
    "api": "api", "webhook": "webhook", "integration": "integration", "plugin": "integration",
    "addon": "integration", "extension": "integration",
    "accessibility": "accessibility", "a11y": "accessibility", "screenreader": "screenreader",
    "contrast": "contrast", "colourblind": "colorblind", "colorblind": "colorblind",
    "widget": "widget", "homescreen": "widget",
    "tutorial": "tutorial", "onboarding": "tutorial", "guide": "tutorial", "walkthrough": "tutorial",
    "doc": "docs", "docs": "docs",
    "documentation": "docs", "manual": "docs",
    "sync": "sync", "synchronise": "sync", "synchronize": "sync",
    "enable": "enable", "activate": "enable", "disable": "disable", "deactivate": "disable",
    "mute": "mute", "silence": "mute", "unmute": "unmute", "screenshare": "screenshare",
    "rest": "api", "endpoint": "api",
    "attachment": "file", "file": "file", "document": "file",
    "limit": "limit", "cap": "limit", "quota": "limit", "maximum": "limit", "max": "limit",
    "increase": "increase", "raise": "increase", "decrease": "decrease", "lower": "decrease",
    "reduce": "decrease",
    "voice": "voice", "audio": "voice", "video": "video", "clip": "clip", "record": "record", "camera": "camera",
    "microphone": "microphone",
    "mic": "microphone",
    "scroll": "scroll", "scrolling": "scroll", "infinite": "scroll", "pagination": "pagination",
    "paging": "pagination", "feed": "feed", "timeline": "feed",
    "landscape": "landscape", "rotate": "landscape", "sideways": "landscape", "horizontal": "landscape",
    "tablet": "tablet", "member": "member", "user": "member", "people": "member", "count": "count",
    "number": "count", "many": "count",
    "poll": "poll", "vote": "poll", "survey": "poll",
    "tag": "tag", "label": "tag", "folder": "folder", "category": "folder",
}

# Word sequences (canonical tokens, after SYNONYMS) -> one canonical token. Longest first wins.
PHRASES: dict[tuple[str, ...], str] = {
    ("darkmode", "theme"): "darkmode", ("darkmode", "mode"): "darkmode", ("night", "mode"): "darkmode",
    ("darkmode", "color"): "darkmode", ("darkmode", "ui"): "darkmode", ("darkmode", "version"): "darkmode",
    ("darkmode", "background"): "darkmode", ("darkmode", "skin"): "darkmode",
    ("night", "theme"): "darkmode", ("dark", "color"): "darkmode", ("black", "theme"): "darkmode",
    ("dark", "ui"): "darkmode", ("dark", "skin"): "darkmode", ("dark", "version"): "darkmode",
    ("darker", "theme"): "darkmode", ("dark", "background"): "darkmode", ("black", "background"): "darkmode",
    ("light", "theme"): "lightmode", ("light", "mode"): "lightmode", ("white", "theme"): "lightmode",
    ("day", "mode"): "lightmode", ("daily", "mode"): "lightmode", ("light", "color"): "lightmode",
    ("high", "contrast"): "contrast",
    ("mobile", "app"): "mobile", ("mobile", "application"): "mobile", ("mobile", "version"): "mobile",
    ("mobile", "client"): "mobile", ("on", "the", "go"): "mobile",
    ("without", "network"): "offline", ("no", "network"): "offline", ("bad", "network"): "network",
    ("too", "small"): "large", ("too", "large"): "small",  # a complaint that text is too small asks for larger
    ("set", "time"): "schedule", ("later",): "schedule", ("voice", "note"): "voice", ("voice", "message"): "voice",
    ("screen", "share"): "screenshare", ("share", "screen"): "screenshare", ("screen", "sharing"): "screenshare",
    ("share", "my", "screen"): "screenshare",
    ("getting", "started"): "tutorial", ("get", "start"): "tutorial",
    ("drag", "and", "drop"): "drag", ("load", "more"): "scroll",
    ("profile", "photo"): "avatar", ("account", "photo"): "avatar", ("custom", "photo"): "avatar",
    ("desktop", "app"): "desktop", ("desktop", "client"): "desktop", ("desktop", "version"): "desktop",
    ("web", "app"): "web", ("web", "version"): "web", ("web", "client"): "web", ("web", "page"): "web",
    ("web", "interface"): "web",
    ("log", "in"): "login", ("sign", "in"): "login", ("signing", "in"): "login", ("logging", "in"): "login",
    ("sign", "on"): "login", ("single", "sign", "on"): "sso", ("single", "login"): "sso",
    ("log", "out"): "logout", ("sign", "out"): "logout", ("logging", "out"): "logout",
    ("2fa", "auth"): "2fa", ("back", "up"): "backup", ("two", "factor"): "2fa", ("2", "factor"): "2fa", ("second",
    "factor"): "2fa",
    ("multi", "factor"): "2fa", ("two", "step"): "2fa",
    ("push", "notify"): "push", ("push", "message"): "push",
    ("text", "message"): "sms",
    ("account", "avatar"): "avatar",
    ("user", "name"): "username", ("display", "name"): "username",
    ("forgot", "password"): "reset", ("reset", "password"): "reset", ("password", "reset"): "reset",
    ("forget", "password"): "reset", ("recover", "password"): "reset",
    ("keyboard", "shortcut"): "shortcut", ("key", "binding"): "shortcut", ("hot", "key"): "shortcut",
    ("screen", "reader"): "screenreader", ("voiceover",): "screenreader", ("talkback",): "screenreader",
    ("color", "blind"): "colorblind",
    ("home", "screen"): "widget",
    ("get", "rid"): "remove", ("take", "away"): "remove",
    ("turn", "on"): "enable", ("switch", "on"): "enable", ("turn", "off"): "disable",
    ("switch", "off"): "disable", ("opt", "out"): "disable",
    ("too", "slow"): "slow", ("take", "forever"): "slow", ("load", "time"): "slow",
    ("take", "long"): "slow", ("loading", "time"): "slow",
    ("stop", "work"): "crash", ("shut", "down"): "crash", ("close", "itself"): "crash",
    ("kick", "out"): "crash", ("keep", "close"): "crash",
    ("battery", "drain"): "battery", ("drain", "battery"): "battery", ("battery", "life"): "battery",
    ("eat", "battery"): "battery", ("use", "battery"): "battery",
    ("spread", "sheet"): "excel", ("google", "sheet"): "excel",
    ("font", "size"): "font", ("text", "size"): "font", ("zoom", "text"): "font",
    ("read", "receipt"): "receipt", ("seen", "indicator"): "receipt",
    ("group", "chat"): "groupchat", ("group", "message"): "groupchat",
    ("private", "message"): "dm",
    ("free", "trial"): "trial", ("direct", "message"): "dm", ("trial", "period"): "trial",
}

# Words that carry no topic in feedback ("please add", "I would love"). Kept small and explicit.
FILLER: frozenset[str] = frozenset("""
please pls plz kindly hi hello hey thanks thank thx ty team dev devs developer guy folk everyone
add adding would could should can may might must shall will need needs want wish love like really
very much so just also still ever even maybe perhaps possibly probably quite pretty super
feature request suggestion suggest idea option ability able allow let make get have has having
support supported implement implementation provide offer give bring introduce
app application apps thing stuff something way there here it its this that these those
i me my we us our you your they them their he she someone somebody anyone anybody
nice great good cool awesome amazing useful helpful important
think feel hope guess know see seem look
a an the of to for in on at by with from into onto about as and or but if then than
is are was were be been being am do does did done doing
not no yes ok okay
actually basically currently already now today soon some any all every each other more most
use using used show display
svp por favor bitte merci gracias danke grazie
when where why how what which who whom whose while because since after before again too only also
always never sometimes often usually anyway though although however etc via per
""".split())

# Canonical tokens that exclude each other: two texts that each name a different member of one
# set describe different items. Parents cover their children (``mobile`` covers ``ios``).
CONTRAST_SETS: tuple[frozenset[str], ...] = (
    frozenset({"mobile", "desktop", "web", "tablet"}),
    frozenset({"ios", "android"}),
    frozenset({"windows", "mac", "linux"}),
    frozenset({"darkmode", "lightmode"}),
    frozenset({"import", "export"}),
    frozenset({"upload", "download"}),
    frozenset({"email", "sms", "push", "link"}),
    frozenset({"channel", "dm"}),
    frozenset({"csv", "excel", "pdf", "json"}),
    frozenset({"enable", "disable"}),
    frozenset({"mute", "unmute"}),
    frozenset({"increase", "decrease"}),
    frozenset({"monthly", "yearly", "weekly", "daily"}),
    frozenset({"french", "german", "spanish", "portuguese", "italian", "japanese", "polish", "dutch"}),
    frozenset({"large", "small"}),
    frozenset({"chrome", "firefox", "safari", "edge"}),
    frozenset({"google", "github", "gitlab", "slack", "teams", "discord", "zapier", "jira", "trello", "notion",
               "outlook", "microsoft", "facebook", "twitter"}),
    frozenset({"photo", "video", "voice", "gif", "sticker", "emoji"}),
    frozenset({"remove", "archive", "edit", "schedule", "pin"}),
    frozenset({"crash", "slow"}),
    frozenset({"student", "nonprofit", "enterprise"}),
    frozenset({"date", "alphabetical"}),
)

# Child -> parent among contrast tokens: "iOS" is a kind of "mobile", so they do not exclude.
PARENTS: dict[str, str] = {
    "ios": "mobile", "android": "mobile", "windows": "desktop", "mac": "desktop", "linux": "desktop",
    "chrome": "web", "firefox": "web", "safari": "web", "edge": "web",
}
