"""Pieces of free text, for data where nearly every query is distinct, as in real chat logs.

`generator.py` builds each question from its category's template, then, with free text on,
wraps it in a greeting and a tail, fills model names, branches and sizes, sometimes asks in
Spanish instead, and makes one typo in many of them. Each choice comes from a byte of an md5 of
the row's session and message number, so the same rows come out on every run, and the random()
stream of the plain demo data is left as it was.
"""

from __future__ import annotations

GREETINGS = [
    "", "", "", "", "", "hi", "hello", "hey", "good morning", "hi there,", "quick question,",
    "hola", "hey guys", "morning,", "yo", "hello,", "hi,", "ok so", "real quick", "hi again,",
]  # fmt: skip

TAILS = [
    "", "", "", "", "thanks", "thx", "pls", "please", "asap", "for a customer", "today?",
    "gracias", "thank you!", "need it by friday", "at the {branch} branch",
    "for my {gallons} gallon pool", "its for a {gallons} gal pool", "near {branch}",
    "customer is waiting", "been waiting all week", "for a job tmrw", "if not whats the eta",
    "we're in {branch}", "ty", "?", "??", "lol", "for the {model}",
    "- {name}", "this is {name} from {name} pools", "order #{order}", "re order {order}",
    "acct {order}", "call me {name} at 555-{order}", "{name} here", "per {name}",
    "ship to {branch}", "po {order}", "job at {branch} rd", "my tech {name} said so",
]  # fmt: skip

# Names people sign with, or mention: real logs are full of them.
NAMES = [
    "Mike", "Jose", "Maria", "Dave", "Luis", "Sarah", "Tony", "Kim", "Raul", "Jen", "Bob",
    "Carlos", "Ana", "Steve", "Chris", "Pat", "Ricky", "Gabe", "Tina", "Omar", "Liz", "Juan",
    "Kevin", "Ashley", "Hector", "Brandon", "Rosa", "Tyler", "Diego", "Megan", "Sam", "Eddie",
]  # fmt: skip

MODELS = [
    "IntelliFlo", "IntelliFlo3", "WhisperFlo", "SuperFlo VS", "TriStar", "MaxFlo XL",
    "Super Pump", "EcoStar", "Quad DE 60", "FNS Plus 48", "System 3", "Pro-Grid DE4820",
    "Clean & Clear 420", "SwimClear C4030", "Triton TR60", "Perflex EC-65", "Jandy CV460",
    "Polaris 280", "MasterTemp 400", "Rain Bird ESP-TM2", "Hunter Pro-C", "Hunter PGP",
    "Rain Bird 5004", "MP Rotator", "Toro 570", "Hydrawise HC",
]  # fmt: skip

BRANCHES = [
    "Tampa", "Orlando", "Naples", "Doral", "Phoenix", "Mesa", "Dallas", "Austin", "Katy",
    "Charlotte", "Jupiter", "Sarasota", "Boca", "Plano", "Scottsdale", "Clearwater",
]  # fmt: skip

# Asked in Spanish instead of the category's template, about one question in twenty.
SPANISH = [
    "tienen la {part} en existencia?", "cuanto cuesta la bomba {model}?",
    "necesito cartuchos para un {model}", "como armo el filtro de tierra diatomea",
    "que bomba me recomiendan para {gallons} galones", "disponibilidad de {part} en {branch}",
    "a que hora abren el sabado", "mi agua esta verde que le pongo", "donde esta mi pedido",
    "cuanta tierra diatomea le pongo al {model}", "empaque para la tapa de la bomba",
    "hay {part} en la sucursal de {branch}?", "aspersores para el jardin, cuales tienen",
]  # fmt: skip
