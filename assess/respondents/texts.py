"""The questionnaire's own words (buttons, hints, messages) in each language we ship.

An instrument brings its questions in the languages it lists; these are the
words around them. A language missing here falls back to English word by word,
so an instrument in another language still works and only the page furniture
stays English. Add a language by adding a dictionary with the same keys
(``tests/respondents/test_language.py`` checks that every one has them all).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

ENGLISH: dict[str, str] = {
    "run_by": "This questionnaire is run by {who} for {organisation}.",
    "run_for": "This questionnaire is run for {organisation}.",
    "duration": (
        "It takes about {minutes} minutes. Your answers are saved on every page, so you "
        "can stop at any time and come back to the same link later."
    ),
    "run_by_employer": "{organisation}, your employer, runs this questionnaire itself.",
    "run_by_company": "This questionnaire is run by {organisation}.",
    "employer_sees": (
        "{organisation} sees the results only for groups of at least {n} people, so it "
        "cannot see how you or a small team answered. Written comments are shown as "
        "written, without who wrote them, and only for groups of at least {m}."
    ),
    "cookie_note": (
        "So that you can come back to your answers, this browser keeps a small cookie. "
        "It holds a random code and nothing about you."
    ),
    "anonymity_heading": "Your anonymity",
    "we_store": "What we store",
    "store_answers": (
        "your answers, and the groups you choose under “About you” (you may skip those "
        "questions);"
    ),
    "store_dates": "the date (not the time) you started and the date you finished.",
    "we_never_store": "What we never store",
    "never_store": (
        "your name, your e-mail address, your IP address, your browser or device, "
        "or the time of day."
    ),
    "personal_link_note": (
        "Your personal link records only that it has been used, so that the response "
        "rate can be counted. Once you submit, nothing connects your answers to your link "
        "or to the address it was sent to."
    ),
    "groups": (
        "Results are only ever shown for groups of at least {n} people, and written "
        "comments only for groups of at least {m}."
    ),
    "language": "Language",
    "start": "Start",
    "continue": "Continue where you left off",
    "continue_page": "You stopped on page {page} of {total}.",
    "page_of": "Page {page} of {total}",
    "progress_label": "Progress",
    "about_you": "About you",
    "about_you_intro": (
        "These questions let results be compared between groups. You may skip any of them."
    ),
    "prefer_not": "Prefer not to say",
    "section_hint": (
        "All questions are optional. Choose “Don't know / not applicable” when you cannot "
        "judge a statement."
    ),
    "na": "Don't know / not applicable",
    "own_words": "In your own words",
    "open_hint": (
        "Optional. Please do not write names or anything else that identifies you or "
        "others. Up to {n} characters."
    ),
    "next": "Next",
    "back": "Back",
    "submit": "Submit my answers",
    "errors_heading": "Nothing on this page was saved yet",
    "error_scale": "That is not one of this question's answers. Please choose again.",
    "error_option": "That is not one of this question's choices. Please choose again.",
    "error_length": "Please keep this to {max} characters (it has {n}).",
    "error_twice": "This question was answered twice at once. Please choose one answer.",
    "error_form": (
        "This page was sent with questions that are not on it. Please reload the page "
        "and answer again."
    ),
    "throttled_title": "Not submitted yet: please try again in a minute",
    "throttled_text": (
        "Many answers were sent from your network in the last minute, so yours could not "
        "be submitted yet. Everything you answered is saved. Please press “{submit}” "
        "again in a minute."
    ),
    "thanks_title": "Thank you",
    "thanks_text": "Your answers have been submitted. You can close this page.",
    "finish_later": "Finish later",
    "empty_page_title": "You have not answered any question on this page",
    "empty_page_text": (
        "That is fine if you would rather not. You can still choose answers below, or "
        "go on without them."
    ),
    "continue_anyway": "Continue anyway",
    "later_title": "Your answers are saved",
    "later_open": (
        "To finish, open the same link again in this browser on this device. You will "
        "continue on page {page}."
    ),
    "later_single": (
        "To finish, open your personal link again, for example from the e-mail that "
        "brought you here. It works in any browser, on any device. You will continue on "
        "page {page}."
    ),
    "later_link": "Your link",
    "later_continue": "Continue now",
    "nothing_title": "Nothing was recorded",
    "nothing_text": (
        "You did not answer any of the statements, so no response has been recorded. "
        "If you meant to take part, please go back and choose an answer for at least one "
        "statement (“Don't know / not applicable” counts as no answer)."
    ),
    "nothing_back": "Go back to the questions",
    "preview_banner": "Preview — nothing you enter is saved",
    "preview_end_title": "End of the preview",
    "preview_end_text": (
        "Here respondents see “Thank you” and their answers are submitted. Nothing you "
        "entered in this preview was saved."
    ),
    "preview_later_note": "This is what respondents see. In this preview, nothing was saved.",
    "preview_restart": "Start the preview again",
    "done_title": "Already submitted",
    "done_single": (
        "Answers from this link have already been submitted, so nothing more can be sent "
        "with it. Thank you for taking part."
    ),
    "done_open": (
        "This questionnaire has already been answered in this browser. Thank you for "
        "taking part."
    ),
    "unavailable_title": "This questionnaire is not available",
    "draft": "This questionnaire has not opened yet. Please try the link again later.",
    "closed": (
        "This questionnaire has closed, so it no longer accepts answers. Thank you for "
        "your interest."
    ),
    "expired_title": "This page had expired",
    "expired_text": (
        "The page was open for a long time or was sent twice, so nothing from it was "
        "saved. The pages you finished before are safe."
    ),
    "expired_continue": "Continue the questionnaire",
    "try_again_title": "Please try again in a minute",
    "try_again_text": (
        "The questionnaire is very busy or briefly unavailable. Your answers are safe: "
        "every page you finished is saved. If you had just sent a page, go back and send "
        "it again in a minute."
    ),
    "not_found_title": "This link does not work",
    "not_found_text": (
        "The address may be incomplete or mistyped (check that the whole link was "
        "copied), or the link may have been withdrawn. If you were invited, please ask "
        "whoever sent it for a new link."
    ),
}

GERMAN: dict[str, str] = {
    "run_by": "Diese Befragung führt {who} für {organisation} durch.",
    "run_for": "Diese Befragung wird für {organisation} durchgeführt.",
    "duration": (
        "Sie dauert etwa {minutes} Minuten. Ihre Antworten werden auf jeder Seite "
        "gespeichert: Sie können jederzeit aufhören und später über denselben Link "
        "weitermachen."
    ),
    "run_by_employer": "{organisation}, Ihr Arbeitgeber, führt diese Befragung selbst durch.",
    "run_by_company": "Diese Befragung führt {organisation} durch.",
    "employer_sees": (
        "{organisation} sieht die Ergebnisse nur für Gruppen von mindestens {n} Personen "
        "und kann daher nicht sehen, wie Sie oder ein kleines Team geantwortet haben. "
        "Schriftliche Kommentare werden wörtlich gezeigt, ohne Angabe, wer sie "
        "geschrieben hat, und nur für Gruppen von mindestens {m}."
    ),
    "cookie_note": (
        "Damit Sie zu Ihren Antworten zurückkehren können, speichert dieser Browser ein "
        "kleines Cookie. Es enthält einen Zufallscode und nichts über Sie."
    ),
    "anonymity_heading": "Ihre Anonymität",
    "we_store": "Was wir speichern",
    "store_answers": (
        "Ihre Antworten und die Gruppen, die Sie unter „Über Sie“ wählen (diese Fragen "
        "können Sie überspringen);"
    ),
    "store_dates": "das Datum (nicht die Uhrzeit), an dem Sie begonnen und abgeschlossen haben.",
    "we_never_store": "Was wir nie speichern",
    "never_store": (
        "Ihren Namen, Ihre E-Mail-Adresse, Ihre IP-Adresse, Ihren Browser oder Ihr Gerät "
        "und die Uhrzeit."
    ),
    "personal_link_note": (
        "Ihr persönlicher Link vermerkt nur, dass er benutzt wurde, damit die "
        "Rücklaufquote gezählt werden kann. Sobald Sie absenden, verbindet nichts mehr "
        "Ihre Antworten mit Ihrem Link oder der Adresse, an die er geschickt wurde."
    ),
    "groups": (
        "Ergebnisse werden nur für Gruppen von mindestens {n} Personen gezeigt, "
        "schriftliche Kommentare nur für Gruppen von mindestens {m}."
    ),
    "language": "Sprache",
    "start": "Beginnen",
    "continue": "Dort weitermachen, wo Sie aufgehört haben",
    "continue_page": "Sie haben auf Seite {page} von {total} aufgehört.",
    "page_of": "Seite {page} von {total}",
    "progress_label": "Fortschritt",
    "about_you": "Über Sie",
    "about_you_intro": (
        "Mit diesen Fragen lassen sich Ergebnisse zwischen Gruppen vergleichen. Sie können "
        "jede davon überspringen."
    ),
    "prefer_not": "Keine Angabe",
    "section_hint": (
        "Alle Fragen sind freiwillig. Wählen Sie „Weiß nicht / trifft nicht zu“, wenn Sie "
        "eine Aussage nicht beurteilen können."
    ),
    "na": "Weiß nicht / trifft nicht zu",
    "own_words": "In Ihren eigenen Worten",
    "open_hint": (
        "Freiwillig. Bitte schreiben Sie keine Namen und nichts, was Sie oder andere "
        "erkennbar macht. Höchstens {n} Zeichen."
    ),
    "next": "Weiter",
    "back": "Zurück",
    "submit": "Antworten absenden",
    "errors_heading": "Von dieser Seite wurde noch nichts gespeichert",
    "error_scale": "Das ist keine der Antworten auf diese Frage. Bitte wählen Sie erneut.",
    "error_option": (
        "Das ist keine der Auswahlmöglichkeiten dieser Frage. Bitte wählen Sie erneut."
    ),
    "error_length": "Bitte beschränken Sie sich auf {max} Zeichen (jetzt sind es {n}).",
    "error_twice": "Diese Frage wurde doppelt beantwortet. Bitte wählen Sie eine Antwort.",
    "error_form": (
        "Diese Seite wurde mit Fragen gesendet, die nicht auf ihr stehen. Bitte laden Sie "
        "die Seite neu und antworten Sie erneut."
    ),
    "throttled_title": "Noch nicht abgeschickt: Bitte versuchen Sie es in einer Minute erneut",
    "throttled_text": (
        "Aus Ihrem Netzwerk wurden in der letzten Minute viele Antworten gesendet, daher "
        "konnten Ihre noch nicht abgeschickt werden. Alles, was Sie beantwortet haben, ist "
        "gespeichert. Bitte drücken Sie in einer Minute erneut auf „{submit}“."
    ),
    "thanks_title": "Vielen Dank",
    "thanks_text": "Ihre Antworten wurden abgesendet. Sie können diese Seite schließen.",
    "finish_later": "Später fortsetzen",
    "empty_page_title": "Sie haben auf dieser Seite keine Frage beantwortet",
    "empty_page_text": (
        "Das ist in Ordnung, wenn Sie nicht möchten. Sie können unten noch Antworten "
        "wählen oder ohne sie weitergehen."
    ),
    "continue_anyway": "Trotzdem weiter",
    "later_title": "Ihre Antworten sind gespeichert",
    "later_open": (
        "Um fortzufahren, öffnen Sie denselben Link wieder in diesem Browser auf diesem "
        "Gerät. Sie machen auf Seite {page} weiter."
    ),
    "later_single": (
        "Um fortzufahren, öffnen Sie Ihren persönlichen Link wieder, zum Beispiel aus der "
        "E-Mail, mit der Sie hierher gekommen sind. Er funktioniert in jedem Browser und "
        "auf jedem Gerät. Sie machen auf Seite {page} weiter."
    ),
    "later_link": "Ihr Link",
    "later_continue": "Jetzt fortsetzen",
    "nothing_title": "Es wurde nichts erfasst",
    "nothing_text": (
        "Sie haben keine der Aussagen beantwortet, daher wurde keine Antwort erfasst. "
        "Wenn Sie teilnehmen wollten, gehen Sie bitte zurück und wählen Sie bei mindestens "
        "einer Aussage eine Antwort („Weiß nicht / trifft nicht zu“ zählt nicht als Antwort)."
    ),
    "nothing_back": "Zurück zu den Fragen",
    "preview_banner": "Vorschau — nichts, was Sie eingeben, wird gespeichert",
    "preview_end_title": "Ende der Vorschau",
    "preview_end_text": (
        "Hier sehen Befragte „Vielen Dank“, und ihre Antworten werden abgesendet. Nichts, "
        "was Sie in dieser Vorschau eingegeben haben, wurde gespeichert."
    ),
    "preview_later_note": (
        "Dies sehen die Befragten. In dieser Vorschau wurde nichts gespeichert."
    ),
    "preview_restart": "Vorschau neu beginnen",
    "done_title": "Bereits abgesendet",
    "done_single": (
        "Über diesen Link wurden bereits Antworten abgesendet, daher kann nichts mehr "
        "gesendet werden. Vielen Dank für Ihre Teilnahme."
    ),
    "done_open": (
        "In diesem Browser wurde dieser Fragebogen bereits beantwortet. Vielen Dank für "
        "Ihre Teilnahme."
    ),
    "unavailable_title": "Diese Befragung ist nicht verfügbar",
    "draft": "Diese Befragung hat noch nicht begonnen. Bitte versuchen Sie es später noch einmal.",
    "closed": (
        "Diese Befragung ist beendet und nimmt keine Antworten mehr an. Vielen Dank für "
        "Ihr Interesse."
    ),
    "expired_title": "Diese Seite war abgelaufen",
    "expired_text": (
        "Die Seite war lange geöffnet oder wurde doppelt gesendet, daher wurde nichts von "
        "ihr gespeichert. Die Seiten, die Sie vorher abgeschlossen haben, sind gespeichert."
    ),
    "expired_continue": "Befragung fortsetzen",
    "try_again_title": "Bitte versuchen Sie es in einer Minute noch einmal",
    "try_again_text": (
        "Die Befragung ist gerade stark ausgelastet oder kurz nicht erreichbar. Ihre "
        "Antworten sind sicher: Jede Seite, die Sie abgeschlossen haben, ist gespeichert. "
        "Wenn Sie gerade eine Seite gesendet haben, gehen Sie zurück und senden Sie sie in "
        "einer Minute noch einmal."
    ),
    "not_found_title": "Dieser Link funktioniert nicht",
    "not_found_text": (
        "Die Adresse ist vielleicht unvollständig oder falsch geschrieben (prüfen Sie, ob "
        "der ganze Link kopiert wurde), oder der Link wurde zurückgezogen. Wenn Sie "
        "eingeladen wurden, bitten Sie die Person, die ihn geschickt hat, um einen neuen "
        "Link."
    ),
}

FRENCH: dict[str, str] = {
    "run_by": "Ce questionnaire est mené par {who} pour {organisation}.",
    "run_for": "Ce questionnaire est mené pour {organisation}.",
    "duration": (
        "Il prend environ {minutes} minutes. Vos réponses sont enregistrées à chaque page : "
        "vous pouvez vous arrêter à tout moment et reprendre plus tard avec le même lien."
    ),
    "run_by_employer": "{organisation}, votre employeur, mène ce questionnaire lui-même.",
    "run_by_company": "Ce questionnaire est mené par {organisation}.",
    "employer_sees": (
        "{organisation} ne voit les résultats que pour des groupes d'au moins {n} "
        "personnes : il ne peut donc pas voir comment vous ou une petite équipe avez "
        "répondu. Les commentaires écrits sont montrés tels quels, sans leur auteur, et "
        "seulement pour des groupes d'au moins {m}."
    ),
    "cookie_note": (
        "Pour que vous puissiez retrouver vos réponses, ce navigateur garde un petit "
        "cookie. Il contient un code aléatoire et rien sur vous."
    ),
    "anonymity_heading": "Votre anonymat",
    "we_store": "Ce que nous enregistrons",
    "store_answers": (
        "vos réponses, et les groupes que vous choisissez sous « À propos de vous » "
        "(vous pouvez passer ces questions) ;"
    ),
    "store_dates": "la date (pas l'heure) à laquelle vous avez commencé et terminé.",
    "we_never_store": "Ce que nous n'enregistrons jamais",
    "never_store": (
        "votre nom, votre adresse e-mail, votre adresse IP, votre navigateur ou votre "
        "appareil, ni l'heure."
    ),
    "personal_link_note": (
        "Votre lien personnel enregistre seulement qu'il a été utilisé, pour calculer le "
        "taux de réponse. Une fois vos réponses envoyées, plus rien ne les relie à votre "
        "lien ni à l'adresse à laquelle il a été envoyé."
    ),
    "groups": (
        "Les résultats ne sont montrés que pour des groupes d'au moins {n} personnes, et "
        "les commentaires écrits que pour des groupes d'au moins {m}."
    ),
    "language": "Langue",
    "start": "Commencer",
    "continue": "Reprendre là où vous vous êtes arrêté",
    "continue_page": "Vous vous êtes arrêté à la page {page} sur {total}.",
    "page_of": "Page {page} sur {total}",
    "progress_label": "Progression",
    "about_you": "À propos de vous",
    "about_you_intro": (
        "Ces questions permettent de comparer les résultats entre groupes. Vous pouvez "
        "passer chacune d'elles."
    ),
    "prefer_not": "Je préfère ne pas répondre",
    "section_hint": (
        "Toutes les questions sont facultatives. Choisissez « Je ne sais pas / sans objet » "
        "si vous ne pouvez pas juger une affirmation."
    ),
    "na": "Je ne sais pas / sans objet",
    "own_words": "Avec vos propres mots",
    "open_hint": (
        "Facultatif. Merci de n'écrire aucun nom ni rien qui permette de vous identifier, "
        "vous ou d'autres. {n} caractères au plus."
    ),
    "next": "Suivant",
    "back": "Retour",
    "submit": "Envoyer mes réponses",
    "errors_heading": "Rien de cette page n'a encore été enregistré",
    "error_scale": "Ce n'est pas l'une des réponses à cette question. Merci de choisir à nouveau.",
    "error_option": "Ce n'est pas l'un des choix de cette question. Merci de choisir à nouveau.",
    "error_length": "Merci de vous limiter à {max} caractères (le texte en a {n}).",
    "error_twice": "Cette question a reçu deux réponses à la fois. Merci d'en choisir une.",
    "error_form": (
        "Cette page a été envoyée avec des questions qui n'y figurent pas. Merci de "
        "recharger la page et de répondre à nouveau."
    ),
    "throttled_title": "Pas encore envoyé : merci de réessayer dans une minute",
    "throttled_text": (
        "De nombreuses réponses ont été envoyées depuis votre réseau au cours de la "
        "dernière minute ; les vôtres n'ont donc pas encore pu être envoyées. Tout ce que "
        "vous avez répondu est enregistré. Merci d'appuyer de nouveau sur « {submit} » "
        "dans une minute."
    ),
    "thanks_title": "Merci",
    "thanks_text": "Vos réponses ont été envoyées. Vous pouvez fermer cette page.",
    "finish_later": "Terminer plus tard",
    "empty_page_title": "Vous n'avez répondu à aucune question sur cette page",
    "empty_page_text": (
        "C'est possible si vous préférez. Vous pouvez encore choisir des réponses "
        "ci-dessous, ou continuer sans elles."
    ),
    "continue_anyway": "Continuer quand même",
    "later_title": "Vos réponses sont enregistrées",
    "later_open": (
        "Pour terminer, ouvrez à nouveau le même lien dans ce navigateur, sur cet "
        "appareil. Vous reprendrez à la page {page}."
    ),
    "later_single": (
        "Pour terminer, ouvrez à nouveau votre lien personnel, par exemple depuis le "
        "courriel qui vous a amené ici. Il fonctionne dans tout navigateur, sur tout "
        "appareil. Vous reprendrez à la page {page}."
    ),
    "later_link": "Votre lien",
    "later_continue": "Continuer maintenant",
    "nothing_title": "Rien n'a été enregistré",
    "nothing_text": (
        "Vous n'avez répondu à aucune des affirmations ; aucune réponse n'a donc été "
        "enregistrée. Si vous vouliez participer, revenez en arrière et choisissez une "
        "réponse pour au moins une affirmation (« Je ne sais pas / sans objet » ne compte pas "
        "comme une réponse)."
    ),
    "nothing_back": "Revenir aux questions",
    "preview_banner": "Aperçu — rien de ce que vous saisissez n'est enregistré",
    "preview_end_title": "Fin de l'aperçu",
    "preview_end_text": (
        "Ici, les répondants voient « Merci » et leurs réponses sont envoyées. Rien de ce "
        "que vous avez saisi dans cet aperçu n'a été enregistré."
    ),
    "preview_later_note": (
        "Voici ce que voient les répondants. Dans cet aperçu, rien n'a été enregistré."
    ),
    "preview_restart": "Recommencer l'aperçu",
    "done_title": "Déjà envoyé",
    "done_single": (
        "Des réponses ont déjà été envoyées avec ce lien ; il ne peut plus rien envoyer. "
        "Merci de votre participation."
    ),
    "done_open": (
        "Ce questionnaire a déjà été rempli dans ce navigateur. Merci de votre participation."
    ),
    "unavailable_title": "Ce questionnaire n'est pas disponible",
    "draft": "Ce questionnaire n'est pas encore ouvert. Merci de réessayer plus tard.",
    "closed": (
        "Ce questionnaire est clos et n'accepte plus de réponses. Merci de votre intérêt."
    ),
    "expired_title": "Cette page avait expiré",
    "expired_text": (
        "La page est restée ouverte longtemps ou a été envoyée deux fois ; rien n'en a été "
        "enregistré. Les pages que vous avez terminées avant sont conservées."
    ),
    "expired_continue": "Reprendre le questionnaire",
    "try_again_title": "Merci de réessayer dans une minute",
    "try_again_text": (
        "Le questionnaire est très sollicité ou brièvement indisponible. Vos réponses sont "
        "en sécurité : chaque page que vous avez terminée est enregistrée. Si vous veniez "
        "d'envoyer une page, revenez en arrière et renvoyez-la dans une minute."
    ),
    "not_found_title": "Ce lien ne fonctionne pas",
    "not_found_text": (
        "L'adresse est peut-être incomplète ou mal saisie (vérifiez que tout le lien a été "
        "copié), ou le lien a été retiré. Si vous avez été invité, demandez un nouveau "
        "lien à la personne qui vous l'a envoyé."
    ),
}

UI_TEXTS: dict[str, dict[str, str]] = {"en": ENGLISH, "de": GERMAN, "fr": FRENCH}

#: Each language's name in itself, for the language choice on the welcome page.
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "de": "Deutsch",
    "fr": "Français",
    "nl": "Nederlands",
    "es": "Español",
    "it": "Italiano",
    "pt": "Português",
    "da": "Dansk",
    "sv": "Svenska",
    "nb": "Norsk bokmål",
    "fi": "Suomi",
    "pl": "Polski",
    "cs": "Čeština",
}


def ui_texts(language: str) -> Mapping[str, str]:
    """The page furniture in ``language`` (by its primary subtag), English where missing."""
    primary = language.split("-", 1)[0].lower()
    return {**ENGLISH, **UI_TEXTS.get(primary, {})}


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code.split("-", 1)[0].lower(), code)


def best_language(
    available: Iterable[str], requested: str | None, accept: Iterable[str]
) -> str | None:
    """The respondent's language among ``available``: an explicit choice, else the
    browser's preference (``accept``, best first), else None (the caller's default)."""
    available = list(available)
    if requested in available:
        return requested
    for wanted in accept:
        for code in available:
            if code.lower() == wanted.lower() or code.split("-")[0].lower() == (
                wanted.split("-")[0].lower()
            ):
                return code
    return None
