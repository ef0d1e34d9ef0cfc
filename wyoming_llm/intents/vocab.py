"""English words for kinds of devices and for what is done to them (singular stems).

The grounding guard uses them: "turn off the lights" supports any light (a domain word),
"pause" supports pausing media but not turning anything off (a verb per intent and domain).
Names, aliases, areas and floors are the user's own words and need no vocabulary; other
languages fall back to those (see grounding.py).
"""

from __future__ import annotations


def w(text: str) -> frozenset[str]:
    """A set of words from a space-separated string."""
    return frozenset(text.split())


DOMAIN_WORDS: dict[str, frozenset[str]] = {
    "light": w("bulb chandelier lamp light lighting sconce strip"),
    "switch": w("outlet plug power socket switch"),
    "fan": w("fan ventilation ventilator"),
    "cover": w("cover roller"),
    "lock": w("deadbolt door lock"),
    "media_player": w(
        "audio media movie music player podcast radio receiver show song sonos sound speaker"
        " stereo television track tv volume"
    ),
    "climate": w(
        "ac air climate conditioner conditioning cooling degree heat heater heating hvac"
        " temperature thermostat"
    ),  # "degree": "make it 21 degrees in here" sets a thermostat
    "vacuum": w("cleaner hoover mop robot roomba vacuum"),
    "valve": w("faucet gas irrigation sprinkler tap valve water"),
    "lawn_mower": w("lawn lawnmower mow mower"),
    "todo": w("list todo"),
    "scene": w("mood scene"),
    "script": w("routine script"),
    "sensor": w("battery humidity level reading sensor temperature"),
    "binary_sensor": w("detector door leak motion sensor window"),
    "weather": w("forecast outside weather"),
    "humidifier": w("dehumidifier humidifier"),
    "input_boolean": w("mode toggle"),
    "water_heater": w("boiler heater"),
    "siren": w("alarm siren"),
    "alarm_control_panel": w("alarm"),
    "button": w("button"),
}

DEVICE_CLASS_WORDS: dict[str, frozenset[str]] = {
    "awning": w("awning"),
    "blind": w("blind"),
    "curtain": w("curtain drape"),
    "damper": w("damper"),
    "door": w("door"),
    "garage": w("garage"),
    "gate": w("gate"),
    "shade": w("shade"),
    "shutter": w("shutter"),
    "window": w("window"),
    "water": w("irrigation sprinkler tap water"),
    "gas": w("gas"),
    "outlet": w("outlet plug socket"),
    "switch": w("switch"),
    "tv": w("television tv"),
    "speaker": w("music speaker"),
    "receiver": w("receiver stereo"),
    "temperature": w("cold hot temperature thermometer warm"),
    "humidity": w("humid humidity"),
    "motion": w("motion movement"),
    "opening": w("open opening"),
}

# Verbs (stems) that support an intent, per target domain; "*" covers the other domains.
ON_WORDS = w("activate begin enable launch on play run start")
OFF_WORDS = w("deactivate disable end halt kill off stop")
OPEN_WORDS = w("lift open raise up")
CLOSE_WORDS = w("close down lower shut")
INTENT_VERBS: dict[str, dict[str, frozenset[str]]] = {
    "HassTurnOn": {
        "cover": OPEN_WORDS,
        "valve": OPEN_WORDS | w("on start water"),
        "lock": w("lock secure"),
        "scene": ON_WORDS | w("scene set"),
        "script": ON_WORDS | w("execute trigger"),
        "button": w("on press push"),
        "media_player": w("on start wake"),
        "light": ON_WORDS | w("switch") | {"light up"},  # "light up the porch"; not "light"
        "*": ON_WORDS | w("switch"),
    },
    "HassTurnOff": {
        "cover": CLOSE_WORDS,
        "valve": CLOSE_WORDS | w("off stop"),
        "lock": w("unbolt unlock unsecure"),
        "media_player": w("off shut"),
        "*": OFF_WORDS | w("switch"),
    },
    "HassLightSet": {
        "*": w(
            "% bright brighten brightness change color colour cool dim kelvin make percent set"
            " temperature to turn warm"
        ),
    },
    "HassSetPosition": {
        "*": w("% close open percent position set to"),
    },
    "HassClimateSetTemperature": {
        "*": w("cool degree heat set temperature thermostat to warm"),
    },
    "HassFanSetSpeed": {
        "*": w("% percent set speed to"),
    },
    "HassMediaPause": {
        "*": w("halt hold pause stop"),
    },
    "HassMediaUnpause": {
        "*": w("continue play restart resume unpause"),
    },
    "HassMediaNext": {
        "*": w("forward next skip"),
    },
    "HassMediaPrevious": {
        "*": w("back before last previous rewind"),
    },
    "HassSetVolume": {
        "*": w("loud louder quiet quieter volume"),
    },
    "HassSetVolumeRelative": {
        "*": w("decrease down increase louder quieter turn up volume"),
    },
    "HassMediaPlayerMute": {
        "*": w("mute quiet silence"),
    },
    "HassMediaPlayerUnmute": {
        "*": w("unmute"),
    },
    "HassVacuumStart": {
        "*": w("clean hoover on run start vacuum"),  # not "go": "go home" asks the opposite
    },
    "HassVacuumReturnToBase": {
        "*": w("back base charge dock home return stop"),
    },
    "HassLawnMowerStartMowing": {
        "*": w("cut mow run start"),
    },
    "HassLawnMowerDock": {
        "*": w("back base dock home return stop"),
    },
    "HassListAddItem": {
        "*": w("add append buy need put remember"),
    },
    "HassListCompleteItem": {
        "*": w("bought check complete cross done finish mark tick"),
    },
    "HassStartTimer": {
        "*": w("alarm countdown remind timer"),
    },
    "HassCancelTimer": {
        "*": w("cancel delete end remove stop"),
    },
    "HassCancelAllTimers": {
        "*": w("cancel delete end remove stop"),
    },
    "HassPauseTimer": {
        "*": w("freeze hold pause"),
    },
    "HassUnpauseTimer": {
        "*": w("continue restart resume unpause"),
    },
    "HassIncreaseTimer": {
        "*": w("add extend increase more"),
    },
    "HassDecreaseTimer": {
        "*": w("decrease less remove shorten subtract"),
    },
}

# Words that ask about the home rather than act on it (state questions).
QUESTION_WORDS = w(
    "any are check did do does how is many much state status tell was were what whats which"
)
# Words for states, as Home Assistant's raw states (HassGetState's `state`).
STATE_WORDS = {
    "on": "on", "off": "off", "open": "open", "opened": "open", "closed": "closed",
    "shut": "closed", "locked": "locked", "unlocked": "unlocked", "playing": "playing",
    "paused": "paused", "home": "home", "away": "not_home", "running": "on",
}  # fmt: skip
# Words that ask about the weather (answered only from a weather entity).
WEATHER_WORDS = w(
    "weather forecast rain raining sunny snow snowing temperature degree hot cold warm humid"
    " humidity wind windy cloudy outside"
)
# CSS colour names, which Home Assistant's HassLightSet accepts (spaces removed).
COLORS = w(
    "aliceblue antiquewhite aqua aquamarine azure beige bisque black blanchedalmond blue"
    " blueviolet brown burlywood cadetblue chartreuse chocolate coral cornflowerblue cornsilk"
    " crimson cyan darkblue darkcyan darkgoldenrod darkgray darkgreen darkgrey darkkhaki"
    " darkmagenta darkolivegreen darkorange darkorchid darkred darksalmon darkseagreen"
    " darkslateblue darkslategray darkslategrey darkturquoise darkviolet deeppink deepskyblue"
    " dimgray dimgrey dodgerblue firebrick floralwhite forestgreen fuchsia gainsboro ghostwhite"
    " gold goldenrod gray green greenyellow grey honeydew hotpink indianred indigo ivory khaki"
    " lavender lavenderblush lawngreen lemonchiffon lightblue lightcoral lightcyan"
    " lightgoldenrodyellow lightgray lightgreen lightgrey lightpink lightsalmon lightseagreen"
    " lightskyblue lightslategray lightslategrey lightsteelblue lightyellow lime limegreen linen"
    " magenta maroon mediumaquamarine mediumblue mediumorchid mediumpurple mediumseagreen"
    " mediumslateblue mediumspringgreen mediumturquoise mediumvioletred midnightblue mintcream"
    " mistyrose moccasin navajowhite navy navyblue oldlace olive olivedrab orange orangered"
    " orchid palegoldenrod palegreen paleturquoise palevioletred papayawhip peachpuff peru pink"
    " plum powderblue purple red rosybrown royalblue saddlebrown salmon sandybrown seagreen"
    " seashell sienna silver skyblue slateblue slategray slategrey snow springgreen steelblue"
    " tan teal thistle tomato turquoise violet wheat white whitesmoke yellow yellowgreen"
)
# Words that say "every one of them", which allow a house-wide target.
ALL_WORDS = w("all every everything everywhere home house whole")


def verbs_for(intent: str, domain: str) -> frozenset[str] | None:
    """Words that support doing `intent` to an entity of `domain` (None: no check known)."""
    table = INTENT_VERBS.get(intent)
    if table is None:
        return None
    return table.get(domain, table.get("*"))
