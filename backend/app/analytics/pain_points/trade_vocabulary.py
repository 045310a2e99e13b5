"""What a pool- and landscape-supply counter clerk reads in a query: words and phrases as cues.

Each cue names one thing a query can show: a product family, a part, an intent. The local
classifier (`keyword_rules.py`) turns a text into the set of cues it holds in one pass over its
tokens, then its decision list picks a cluster from that set. Entries are lower-case tokens or
phrases; Spanish is written with its accents, and the unaccented spelling customers type is
derived, as are common misspellings. A phrase stands for its tokens: "heat pump" is equipment,
and does not also count as "pump".
"""

from __future__ import annotations

from enum import IntFlag, auto


def entries(listed: str) -> list[str]:
    """Return the comma-separated entries of `listed`, stripped."""
    return [entry.strip() for entry in listed.split(",") if entry.strip()]


class Cue(IntFlag):
    """One thing a query can show; a text's cues are the union of its tokens' and phrases'."""

    NONE = 0
    PUMP = auto()  # a pump, a pump model line named without the word, a horsepower
    EQUIPMENT = auto()  # other equipment customers choose: heaters, cleaners, controllers
    DISCOVERY = auto()  # choosing between things: recommend, best, which one, vs, compare
    SHOPPING = auto()  # looking around: options, sizing, budget, what kind, looking for
    CHOICE = auto()  # "or" between two things: a comparison, unless it is about stock
    CARRY = auto()  # what the store carries or sells
    DE = auto()  # a DE filter: diatomaceous earth, DE model lines, DE powder, bumping
    DE_WORD = auto()  # the bare token "de": DE in English, "of" in Spanish
    DE_PART = auto()  # DE filter internals: grids, manifold, standpipe, spreader
    FILTER = auto()  # a filter, whatever its kind
    ASSEMBLY = auto()  # taking equipment apart or putting it back together
    HOW = auto()  # doing something: install, assemble, clean, add, how much, how often
    MALFUNCTION = auto()  # something does not work: noise, pressure, won't start, error
    DIAGNOSE = auto()  # asking why or what is wrong: a troubleshooting question
    DAMAGE = auto()  # something is worn out or broken: cracked, torn, leaking, snapped
    PART = auto()  # a replacement part or consumable: cartridge, o-ring, gasket, basket
    REPLACE = auto()  # replacing: replacement, replace, spare, repuesto
    FOR = auto()  # "for a", "for my": a part for some equipment
    FIT = auto()  # what fits, cross-references or is equivalent
    BUY = auto()  # wanting one: need, buy, new
    STOCK = auto()  # availability, quantity, lead time, backorder, transfer, price, quote
    ASK = auto()  # a weak request to get something: do you have, got, any, how soon
    ORDER = auto()  # an order placed, an invoice, a payment, an account, a delivery
    STORE = auto()  # hours, branches, locations, phone numbers, people
    CARE = auto()  # water chemistry, pool and garden care, chit-chat: general questions
    SPANISH = auto()  # a Spanish function word: "de" is then "of", not DE
    NUMBER_CONTEXT = auto()  # a number after it is an order, invoice, zip, phone or amount
    PART_MARKER = auto()  # a number after it is a part: "part", "item", "sku", "#"
    PART_PREFIX = auto()  # a part number typed in pieces: "sp 1600", "spx 2700", "ec 40"
    # From the shape of a token, not from this vocabulary:
    PART_NUMBER = auto()  # SP2610X15, R0357800, 39-0057, 355029, EC-40, 27001-0022S
    BARE_NUMBER = auto()  # a 3- to 5-digit number that measures nothing: a code at a counter
    CARTRIDGE_CODE = auto()  # cartridge cross-reference codes: C-4950, PA50, FC-1225, 7CH-975


# Each cue's entries, comma-separated.
VOCABULARY: dict[Cue, str] = {
    Cue.PUMP: """
        pump, pumps, bomba, bombas, motobomba, booster, horsepower, hp, variable speed,
        variable-speed, single speed, two speed, 2 speed, dual speed, 2-speed, vs pump, vsp,
        velocidad variable, caballos, intelliflo, intelliflo3, intelliflo vsf, whisperflo,
        superflo, supermax, challenger, challanger, tristar, maxflo, super pump, super ii,
        superpump, ecostar, northstar, vs omni, flopro, flo pro, stealth, pluspro, max-e-pro,
        maxepro, dura-glas, duraglas, dyna-glas, dynaglas, silent flo, blue torrent, powerflo,
        power-flo, matrix, trimax, ultraflow, hydrostar, grundfos, goulds, magnum, whisper flo,
        super flo, tri star, max flo, eco star, intelli flo, eq series, superflow, super flow,
        variable, thp, what pump, what pumps, qué bomba, which pump, lake pump, irrigation pump,
        intelliflow
    """,
    Cue.EQUIPMENT: """
        heater, heaters, heat pump, heat pumps, calentador, calentadores, cleaner, cleaners,
        robot, robotic, limpiador, polaris, dolphin, kreepy, salt system, salt systems,
        chlorinator, chlorine generator, salt generator, chlorine generators, salt chlorine
        generator, salt chlorine generators, swg, aquarite, intellichlor, ichlor, automation,
        intellicenter, omnilogic, aqualink, easytouch, screenlogic, controller, controllers,
        timer, pump timer, controlador, hydrawise, rain sensor, rotor, rotors, spray heads,
        sprayheads, spray head, spray body, sprays, drip, drip kit, drip tubing, techline,
        dripline, light, lights, led, lighting, luces, lamparas, uplight, uplights, uplighting,
        fixture, fixtures, path lights, landscape lights, cover, covers, uv, ozone, solar,
        chiller, fountain, waterfall, water feature, skimmer, ladder, slide, mower, blower,
        trimmer, equipment, equipo, sand filter, cartridge filter, de filter, filter, filters,
        filtro, system, systems, mp rotator, mp rotators, backflow, pvb, rpz, sprinkler,
        sprinklers, aspersor, aspersores, clean clear, clean and clear, clean clear plus,
        swimclear, star clear, starclear, i-20, pgp, 5000, 5004, kichler, fx luminaire, hunter,
        rain bird, toro, orbit, netafim, irritrol, pentair, hayward, sta-rite, starite, jandy,
        zodiac, waterway, raypak, aquacal, speck, rachio, b-hyve, bhyve, weathermatic, k-rain,
        febco, watts, wilkins, volt, pro-c, x-core, hpc, esp-tm2, esp-me, cleaning system, in
        floor, in-floor, sand or cartridge, de or cartridge, cartridge or sand, sand or de,
        cartridge or de, spot light, spot lite, spotlight, well light, well lights, path light,
        jet pump, spray bodies, btu, btus, clorinador, clorinador salino, low voltage
    """,
    Cue.DISCOVERY: """
        recommend, recommendation, recommendations, recomend, reccomend, recomendations, suggest,
        suggestion, suggestions, best, better, vs, vs., versus, compare, comparison, difference,
        differences, which one, which pump, which model, which brand, which would, which should,
        which is, which fixture, worth, quietest, quieter, go with, would you use, would you pick,
        your opinion, pros and cons, upgrade, upgrading, holds up, recomiendan, recomienda,
        recomendación, mejor, conviene, cuál es mejor, recs, rec, recomendation, sand or
        cartridge, de or cartridge, cartridge or sand, sand or de, cartridge or de
    """,
    Cue.SHOPPING: """
        which size, what size, should i use, should i go, what should i get, what kind, what type,
        what brand, right size, sizing, options, choices, efficient, quiet, cheapest, budget,
        rebate, energy star, looking for, shopping, thinking about, thinking of, should i get,
        should i buy, ideas, bucks, busco, opciones, qué tamaño, qué bomba, what pumps, what pump,
        switch to, switching to, enough, big enough, under, do i need, show me, run on, runs on,
        what would you put, what would u put, what would u use, what would you use, would u put,
        would you put, thoughts, good idea, good call, leaning toward, leaning towards, thinking,
        any good, stack up, stacks up, compared to, too much, enough for, looking at, will a, heat
        a, that works with, that work with, easiest, good option, a good, whats a good, what's a
        good, good one, sizes, overkill, with an app, thinking of adding, thinking about adding,
        adding one, handle it, handle that, can handle
    """,
    Cue.CHOICE: """
        or
    """,
    Cue.CARRY: """
        carry, carries, sell, sells, offer, do you have any, what do you have, do you have, u
        have, you guys have, u got, you got, venden, manejan, what are my options, what do u have
    """,
    Cue.DE: """
        diatomaceous, diatomaceous earth, diatomite, diatomea, tierra diatomea, diatomeas, d.e, de
        filter, de filters, filtro de de, quad de, quad, fns, fns plus, system 3, system3, sys 3,
        pro-grid, progrid, pro grid, perflex, ec, ec-40, ec40, ec-50, ec50, ec-65, ec65, ec-75,
        ec75, dev48, dev60, del48, del60, de4820, de2420, de3620, de6020, de7220, de powder, de
        grids, de grid, precoat, pre-coat, precoating, precoated, recoat, perlite, cellulose,
        bump, bumping, bumped, bump handle, polvo, polvo blanco, white powder, powder, scoops,
        scoop, how much de, how much powder, how much diatomaceous, how many scoops, how many lbs,
        how many pounds, de modules, teardown, teardowns, tear down, jandy del, jandy         dev,
        s7d75, s8d110, s8d150, flex tube, flex tubes, tube bundle
    """,
    Cue.DE_WORD: """
        de
    """,
    Cue.DE_PART: """
        grid, grids, rejilla, rejillas, manifold, manifolds, standpipe, stand pipe, fingers,
        spreader, bump handle, tube sheet, grid set, septum, septums, flex tube, flex
        tubes, tube bundle, flex tube bundle
    """,
    Cue.FILTER: """
        filter, filters, filtro, filtros, filtr, fliter, fillter
    """,
    Cue.ASSEMBLY: """
        assemble, assembly, assembled, reassemble, reassembled, reassembly, reassembling,
        disassemble, disassembled, take apart, taking apart, took apart, tear down, teardown, put
        back, putting back, back together, put it back, put together, line up, lined up, armo,
        armar, desarmar, assy, grid assy
    """,
    Cue.HOW: """
        how do, how to, how does, how can, how should, how often, how long, how tight, how far,
        steps, instructions, diagram, assemble, assembly, assembled, reassemble, reassembled,
        reassembly, rebuilt, disassemble, take apart, taking apart, took apart, tear down, put
        back, putting back, back together, back in, back on, go back, goes back, line up, lined
        up, right order, what order, in order, order do, right way, which way, which hole, which
        side, orientation, alignment, facing, install, installing, installation, clean, cleaning,
        cleaned, backwash, backwashing, backwashed, backwashng, retrolavar, add, adding, added,
        pour, put, armo, armar, cómo, le pongo, instalar, limpiar, limpie, should i, do i, can i,
        tell if, supposed to, starting pressure, clean pressure, degrease, acid wash, soak, hose
        off, run, running, troubleshoot, prime, priming, tighten, tight, amount, coat, coated,
        lube, do i need to, have to go, go into, goes into, do you have instructions, do you have
        a diagram, do you have a video, how much de, how much powder, how much diatomaceous, how
        many scoops, how many lbs, how many pounds, whats the order, what's the order, the order
        for, do you have to, does it go, go by, where does, grid assy, go in, dump, manual,
        manuals, do i order, be set, set to, schedule, program, programming, swap them, swap them
        in, swap them into, swap the grids
    """,
    Cue.MALFUNCTION: """
        pressure, presión, psi, climbing, climbs, rising, went up, goes up, going up, keeps going
        up, jumps, drops, dropping, spikes, low, higher, stuck, won't, wont, doesn't, doesnt,
        isn't, not working, not holding, hold pressure, noise, noisy, loud, screeching, grinding,
        humming, hums, squeal, squealing, tripping, trips, error, fault, shuts off, overheating,
        air, bubbles, spitting, blowing, coming back, comes back, back into, into the pool, in the
        pool, shooting, cloudy, short cycling, problem, issue, wrong, loses prime, losing, won't
        seal, wont seal, icing, frozen, no prende, no funciona, ruido, sale, se sale, dirty water,
        dirt, dust, keeps, keep, popping, dont fit, don't fit, doesnt fit, doesn't fit, won't fit,
        wont fit, dont rotate, don't rotate, not rotating, won't rotate, wont rotate, the returns,
        out the returns, thru the returns, through the returns, return jets, blows, blow, blows
        back, blowing back, screen says, screen shows, screen reads, clicks, never opens, won't
        open, wont open, doesnt open, doesn't open, weak, spray weak, low pressure
    """,
    Cue.DIAGNOSE: """
        why, what causes, causing, cause, what does that mean, what gives, whats wrong, what's
        wrong, troubleshoot, how do i fix, fix, por qué, what happened, normal, is it normal,
        supposed to, coming from, will it still work, can i keep running, keep running, still run
        it, safe to run, should i worry, look ok, looks ok, is that normal
    """,
    Cue.DAMAGE: """
        crack, cracked, broke, broken, torn, tore, ripped, rip, split, snapped, worn, worn out,
        wore out, fried, burnt, burned out, died, dead, stripped, leak, leaks, leaking, leeking,
        leaky, dripping, bowed, collapsing, collapsed, crooked, falling apart, se rompio, se
        rompió, roto, rota, quebrado, ran over, lost, missing, melted, drips, shot, is shot
    """,
    Cue.PART: """
        cartridge, cartridges, cart, carts, element, cartucho, cartuchos, o-ring, o-rings, oring,
        orings, o ring, o rings, gasket, gaskets, empaque, empaques, seal kit, shaft seal, seal
        plate, seal, seals, sello, sellos, impeller, impellers, impulsor, diffuser, diffusers,
        lid, lids, tapa, basket, baskets, baskit, canasta, canastilla, strainer, lateral,
        laterals, multiport, spider gasket, handle, gauge, gauges, guage, manometro, manómetro,
        filter sand, pool sand, sand, arena, glass media, media, zeolite, filter bag, capacitor,
        bearing, bearings, bearing kit, wear ring, go kit, nozzle, nozzles, boquilla, boquillas,
        diaphragm, diaphragms, diafragma, solenoid, solenoids, filter screen, wiper seal, rotor
        cap, cap, rebuild kit, kit, kits, parts, maintenance, pieza, piezas, repuesto, repuestos,
        refacción, refacciones, clamp, band clamp, clamp band, union, unions, drain plug, drain
        plugs, air relief, sight glass, lube, bulb, bulbs, lamp, lamps, backwash         hose,
        salt cell, cell, tires, tire, flap, weir, internals, guts, insert, inserts, bonnet,
        screws, riser seal, emitter, gear drive, power supply, thrust washer, washer, motor,
        moter, tank o-ring, unicel, pleatco, filbur, cabeza, heads, replacement cartridge, mr16,
        gage, bonet, ignitor, igniter, heat exchanger, pressure switch, control board, circuit
        board, thermistor, flame sensor, gas valve, flow switch, sensor, tracks, wheels, swivel,
        float, bypass valve, check valve, lens, valve, valves, válvula, válvulas, solenoide,
        solenoides, pump lid, pressure gauge, screen, screens, hose, hoses, sections, check
        module, emitters, fuse, thermal fuse, what part, which part
    """,
    Cue.REPLACE: """
        replacement cartridge, replacement, replacements, replacment, replacments, replacemnt,
        replace, replaces, replacing, spare, spares, repuesto, repuestos, reemplazo, cambiar, new
        one, a new one, new set, full set, swap out, swap
    """,
    Cue.FIT: """
        fit, fits, will fit, compatible, compatibility, cross, crosses, cross reference, cross
        references, cross-reference, crossreference, cross ref, equivalent, same as, substitute,
        interchange, goes on, goes with, goes w, works with, work with, works on, what replaces,
        sirve, le queda, compatible con, which one do i need, aftermarket, generic, new number,
        what is the new number, superseded, replaced by, newer version, do i order, should i
        order, which one replaces, what replaces it
    """,
    Cue.FOR: """
        for, para
    """,
    Cue.BUY: """
        need new, need some, need one, need it, need them, need more, need 2, need to buy, i need,
        buy, buying, purchase, a new, new set, want a, want to buy, necesito, ocupo, quiero,
        comprar, nuevo, nueva, where can i
    """,
    Cue.STOCK: """
        stock, stok, in stock, instock, in-stock, stocked, available, availability, availible,
        avalable, avail, avl, on hand, onhand, qty, quantity, inventory, shelf, on the shelf, lead
        time, leadtime, eta, backorder, backordered, back order, back ordered, on order, special
        order, back in stock, how soon, how quick, next truck, transfer, tranfer, transferred,
        send one over, another branch, other branch, another store, other store, warehouse, pick
        up, pickup, pick it up, will call, hold one, reserve, set aside, price, pricing, prices,
        price check, cost, how much is, how much are, how much for, quote, cuánto cuesta, cuesta,
        precio, precios, disponible, disponibles, disponibilidad, existencia, existencias,
        inventario, la tienen, lo tienen, get more, any left, out of stock, sitting, in the back,
        back in yet, in yet, branch have, store have, location have, hold, put aside, save me, how
        many can, how many do you have, how many u got, how many you got, how many in, how many
        on, turnaround, order it, in the store, at the store, in store, gotta wait, have to wait,
        need to wait, check if
    """,
    Cue.ASK: """
        do you have, do u have, you have, u have, have any, got any, got, have them, have it, have
        one, any, anybody, anyone, how many, how much, cuántas, cuántos, when will, need, get,
        grab, hay, tienen, tienes, today, tomorrow, by friday, this week, nearby, near me,
        anywhere, looking for, hows, update
    """,
    Cue.ORDER: """
        order, orders, came with, was short, wrong item, wrong part, my order, an order, the
        order, placed an order, online order, order status, order number, ordered, orden, pedido,
        mi orden, invoice, invoices, factura, facturas, receipt, statement, payment, payments, pay
        my, pay online, pay the, paid, pago, autopay, credit, card on file, charged, charge,
        billing, refund, reembolso, return, returned, devolver, restocking, exchange, cancel,
        cancell, canceled, cancelled, cancelar, tracking, track, delivery, deliveries, deliver,
        delivered, entrega, shipped, shipment, when does it ship, driver, pallet, account,
        accounts, acct, cuenta, trade account, tax exempt, rewards, price match, net 30, terms,
        login, password, website, warranty, garantía, claim, porch, rma, sent back, sent it back
    """,
    Cue.STORE: """
        hours, hrs, open, opens, opening, close, closes, closing, closed, horario, abren, cierran,
        abierto, holiday, holidays, christmas, thanksgiving, memorial day, labor day, sunday,
        saturday, sat, weekend, location, locations, address, directions, where are you, nearest,
        closest, branch, branches, store, stores, sucursal, sucursales, tienda, phone, phone
        number, call, email, person, human, someone, representative, manager, hiring, class,
        classes, school, license, yard
    """,
    Cue.CARE: """
        ph, chlorine, cloro, alkalinity, alcalinidad, cya, stabilizer, cyanuric, calcium,
        hardness, shock, algae, alga, algas, green, verde, cloudy, turbia, foam, foamy, stain,
        stains, scale, scaled, metals, phosphate, phosphates, acid, muriatic, bleach, chemicals,
        chemical, químicos, ppm, ppb, test, tested, testing, swim, swimming, plaster, vinyl,
        liner, tile, winterize, winterizing, startup, start up, evaporation, bucket test, vacuum,
        vaccum, brush, lawn, grass, sod, seed, overseed, fertilizer, fertilize, fertilizante,
        mulch, soil, topsoil, compost, weeds, weed, grub, grubs, pre emergent, polymeric sand,
        paver sand, pavers, paver, stone, gravel, rock, boulders, plant, planting, tree, trees,
        shrub, shrubs, watering, watered, schedule, mow, mowing, aerate, drainage, pest, bugs,
        pasto, césped, weather, joke, poem, game, hi, hello, hola, thanks, thank, gracias, bye,
        wall cap, wall caps
    """,
    Cue.SPANISH: """
        el, la, los, las, del, para, una, mi, mis, tengo, necesito, que, qué, por, con, hay,
        tienen, cuánto, cómo, dónde, cuál, está, alberca, piscina, ocupo, quiero, busco, buenas,
        hola, gracias, le, se, es
    """,
    Cue.NUMBER_CONTEXT: """
        order, orders, orden, pedido, invoice, factura, po, account, acct, ticket, case,
        confirmation, tracking, zip, zipcode, phone, call, text, at, near, to, gallons, gallon,
        gal, galones, ppm, ppb, psi, sq, sqft, square, feet, ft, foot, degrees, inch, inches, mil,
        lbs, lb, pounds, hours, minutes, years, days, weeks, bags, over, under, about, around,
        like
    """,
    Cue.PART_MARKER: """
        part, part number, part no, part#, pn, p/n, item, item number, sku, model, model number,
        número de parte, numero de parte
    """,
    Cue.PART_PREFIX: """
        sp, spx, sw, ax, ec, dev, del, pgv, r, pa, c, cx, spv, w3sp, ch
    """,
}

# Units and ordinals after a number, or joined to it, make it a measure rather than a part.
UNITS = """
    hp, v, volt, volts, gal, gals, gallon, gallons, galones, gpm, gph, ft, sqft, sq, inch,
    inches, psi, lb, lbs, k, ppm, ppb, am, pm, st, nd, rd, th, mm, cm, m, hr, hrs, h, min,
    mins, yr, yrs, s, x, w, kw, amp, amps, mil, degree, degrees, zones, zone, station,
    stations, feet, foot, pulgadas, kilos
"""
