"""Realistic chatbot questions per product and category, for the demo and benchmark data."""

from __future__ import annotations

# `{part}` is replaced with a part number when rows are generated.
POOL_QUESTIONS: dict[str, list[str]] = {
    "product_catalog": [
        "What variable speed pumps do you carry for a 20,000 gallon pool?",
        "Which pump would you recommend for an above ground pool?",
        "Do you sell Pentair IntelliFlo pumps?",
        "I need a new pool pump, what are my options for a 1.5 HP?",
        "What salt chlorine generators do you have?",
        "Show me robotic pool cleaners for an inground pool",
        "What's the best heat pump for a 15x30 pool?",
        "Do you carry Hayward Super Pump replacements?",
    ],
    "compatible_parts": [
        "What replacement cartridge fits a Pentair Clean & Clear Plus 420?",
        "Which filter cartridge do I need for a Hayward C4030?",
        "Is {part} compatible with my Sta-Rite System 3 filter?",
        "I need new DE grids for my Hayward Pro Grid DE4820, which ones fit?",
        "What o-ring fits the lid of a Jandy CV460 filter?",
        "Replacement sand filter laterals for a Pentair Triton TR60?",
        "Which impeller fits a Hayward Super Pump SP2610X15?",
        "Does {part} work as a replacement multiport valve for my sand filter?",
    ],
    "pricing_inventory": [
        "Do you have {part} in stock?",
        "Is part number {part} available at my branch?",
        "How much is {part}?",
        "Check stock for {part} please",
        "What's the price and availability of {part}?",
        "Can I pick up {part} today?",
        "Stock check: {part}",
    ],
    "invoice_payment": [
        "Can I get a copy of my last invoice?",
        "How do I pay my account balance online?",
        "Why was I charged twice on my invoice?",
        "Can I pay with a credit card over the phone?",
        "What are your payment terms for trade accounts?",
    ],
    "product_manuals": [
        "Where can I find the manual for a Hayward DE4820 filter?",
        "How do I assemble the DE filter grids after cleaning?",
        "My DE filter pressure is high right after backwashing, what should I check?",
        "How much DE powder do I add to a 48 sq ft filter?",
        "Owner's manual for Pentair SuperFlo VS pump",
        "DE filter is blowing powder back into the pool, how do I fix the manifold?",
        "How do I reassemble the manifold on my Pentair FNS Plus?",
    ],
    "orders": [
        "Where is my order?",
        "Can I check the status of order 4410982?",
        "I want to cancel my order from yesterday",
        "When will my pump order be delivered?",
        "Can I change the delivery address on my order?",
        "How do I return a filter I ordered by mistake?",
    ],
    "general_conversation": [
        "Hi",
        "Thanks for your help!",
        "What are your hours on Saturday?",
        "Are you open on Sunday?",
        "How do I lower the pH in my pool?",
        "My pool water is green, what should I do?",
        "What should my chlorine level be?",
        "Can I talk to a person?",
    ],
    "tutorial_videos": [
        "Is there a video on how to backwash a sand filter?",
        "Video showing how to replace a pump motor seal?",
        "Do you have a tutorial for cleaning DE filter grids?",
        "How-to video for winterizing my pool equipment",
    ],
    "out_of_scope": [
        "What's the weather tomorrow?",
        "Can you write me a poem?",
        "Who won the game last night?",
        "Do you sell patio furniture?",
    ],
    "nearest_branch": [
        "Where is the nearest branch to 33410?",
        "What time does the Orlando branch close?",
        "Is there a Heritage Pool Plus location near Tampa?",
        "Branch hours for the Phoenix store?",
        "Closest store to me that is open now?",
    ],
}

LANDSCAPE_QUESTIONS: dict[str, list[str]] = {
    "product_catalog": [
        "What drip irrigation kits do you carry?",
        "Do you sell Rain Bird rotors?",
        "What landscape lighting transformers do you have?",
        "Which pump would you recommend for a backyard fountain?",
        "Show me smart irrigation controllers",
        "Do you carry pavers and retaining wall block?",
        "What grass seed blends do you sell for shade?",
    ],
    "compatible_parts": [
        "Which nozzle fits a Hunter PGP rotor?",
        "Is {part} compatible with my Rain Bird ESP-TM2 controller?",
        "Replacement solenoid for a Toro 252 valve?",
        "What filter screen fits a 1 inch drip filter?",
        "Replacement diaphragm for a Hunter PGV valve?",
    ],
    "pricing_inventory": [
        "Do you have {part} in stock?",
        "Price check on {part}",
        "Is {part} available for pickup?",
        "How many {part} do you have at the Dallas branch?",
        "Stock availability for part {part}?",
    ],
    "invoice_payment": [
        "Can you email me my invoice from last week?",
        "How do I set up a trade account?",
        "My invoice shows the wrong quantity",
        "Can I pay my statement online?",
    ],
    "product_manuals": [
        "Manual for Rain Bird ESP-Me3 controller",
        "How do I program zones on a Hunter X2?",
        "Installation guide for low voltage landscape lights",
        "Wiring diagram for a 24V irrigation valve",
    ],
    "orders": [
        "Where is my order?",
        "When will my mulch delivery arrive?",
        "Can I add pallets to my paver order?",
        "I need to cancel an order",
        "What's the status of order 5520931?",
    ],
    "general_conversation": [
        "Hello",
        "Thank you",
        "What are your branch hours?",
        "When should I aerate my lawn?",
        "How often should I water new sod?",
        "Can I speak with someone?",
    ],
    "tutorial_videos": [
        "Video on how to install drip irrigation?",
        "Tutorial for winterizing sprinklers",
        "Do you have a video on laying pavers?",
    ],
    "out_of_scope": [
        "Can you book me a flight?",
        "What's a good pizza place nearby?",
        "Tell me a joke",
    ],
    "nearest_branch": [
        "Nearest branch to 75201?",
        "Is the Austin location open on Sunday?",
        "Where is the closest Heritage Plus store?",
        "Hours for the Charlotte branch?",
    ],
}

POOL_PARTS = [
    "SP2610X15", "SPX3200", "CX1200RE", "R0357800", "PA100", "EC-40", "SPX1600Z4",
    "355029", "GMX600NM", "R172009", "DEX2420F", "SP3007X10", "CX580XRE", "R0452100",
]

LANDSCAPE_PARTS = [
    "PGP-ADJ", "I20-04", "ESP-TM2", "100-DV", "PGV-101G", "RD1800", "XCZ-075-PRF",
    "5004-PC", "PRS40", "HE-VAN-15", "MP2000", "T-MAXIPAW",
]

ANSWERS: dict[str, str] = {
    "product_catalog": "Here are a few options that match what you described.",
    "compatible_parts": "These replacement parts are compatible with your equipment.",
    "pricing_inventory": "Here is the current price and stock at your nearest branches.",
    "invoice_payment": "I can help with billing. Your invoices are in your account portal.",
    "product_manuals": "Here is the manual and the relevant steps from it.",
    "orders": "Here is the latest status I can see for your order.",
    "general_conversation": "Happy to help! Let me know what you need.",
    "tutorial_videos": "Here is a step-by-step video that covers this.",
    "out_of_scope": "Sorry, I can only help with products, orders and branches.",
    "nearest_branch": "Here is the nearest branch with its address and opening hours.",
}
