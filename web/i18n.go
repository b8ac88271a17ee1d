package web

import (
	"net/http"
	"strings"
)

// languages are the pages' languages; the first is the default.
var languages = []string{"en", "fr"}

// words are the pages' texts by language and key. A key missing in a
// language falls back to English (TestWordsComplete keeps them complete).
var words = map[string]map[string]string{
	"en": {
		"title":                       "Voicemail",
		"skip":                        "Skip to content",
		"login.title":                 "Sign in to your voicemail",
		"login.mailbox":               "Mailbox number",
		"login.pin":                   "PIN",
		"login.submit":                "Sign in",
		"login.wrong":                 "Wrong mailbox or PIN.",
		"login.locked":                "Too many wrong PINs: this mailbox is locked for now, by phone too. Try again later or ask your administrator.",
		"login.expired":               "Your session ended. Please sign in again.",
		"login.admin":                 "Administrator sign-in",
		"login.owner":                 "Mailbox sign-in",
		"admin.login":                 "Administrator sign-in",
		"admin.token":                 "Administrator token",
		"admin.wrong":                 "Unknown token.",
		"logout":                      "Sign out",
		"nav.main":                    "Main",
		"nav.folders":                 "Folders",
		"nav.greetings":               "Greetings",
		"nav.settings":                "Settings",
		"nav.mailboxes":               "Mailboxes",
		"nav.audit":                   "Audit trail",
		"folder.New":                  "New",
		"folder.Old":                  "Old",
		"folder.Work":                 "Work",
		"folder.Family":               "Family",
		"folder.Friends":              "Friends",
		"folder.Urgent":               "Urgent",
		"msg.none":                    "No messages in this folder.",
		"msg.date":                    "Received",
		"msg.caller":                  "From",
		"msg.duration":                "Length",
		"msg.actions":                 "Actions",
		"msg.urgent":                  "Urgent",
		"msg.unknown":                 "Unknown caller",
		"msg.play":                    "Play the message from",
		"msg.download":                "Download WAV",
		"msg.delete":                  "Delete",
		"msg.confirm":                 "Delete this message?",
		"msg.move":                    "Move to",
		"msg.moveto":                  "Folder to move the message to",
		"msg.heard":                   "Mark heard",
		"msg.unheard":                 "Mark unheard",
		"msg.deleted":                 "Message deleted.",
		"msg.moved":                   "Message moved.",
		"msg.marked":                  "Message updated.",
		"msg.live":                    "New message received.",
		"msg.list":                    "Messages",
		"greet.title":                 "Greetings and name",
		"greet.now":                   "Callers now hear",
		"greet.temp":                  "Temporary greeting",
		"greet.unavail":               "Unavailable greeting",
		"greet.busy":                  "Busy greeting",
		"greet.name":                  "Your recorded name",
		"greet.none":                  "Not recorded: record it by phone (mailbox options).",
		"greet.delete":                "Delete the temporary greeting",
		"greet.deleted":               "Temporary greeting deleted.",
		"greet.active.temp":           "your temporary greeting",
		"greet.active.unavail":        "your unavailable greeting (your busy greeting when you are on the phone, if recorded)",
		"greet.active.default-name":   "the standard greeting with your recorded name",
		"greet.active.default-number": "the standard greeting with your mailbox number",
		"greet.upload":                "Upload is not available yet: record greetings by phone.",
		"set.title":                   "Settings",
		"set.pin":                     "Change PIN",
		"set.pin.must":                "Please choose a new PIN before going on.",
		"set.pin.new":                 "New PIN",
		"set.pin.again":               "New PIN again",
		"set.pin.rules":               "Digits only; at least %d; not a repeated digit, a straight run (1234), the default PIN or your mailbox number.",
		"set.pin.mismatch":            "The two PINs differ.",
		"set.pin.weak":                "This PIN is not allowed: ",
		"set.pin.done":                "PIN changed, by phone too.",
		"set.profile":                 "Notices, time zone and language",
		"set.email":                   "Email address for new-message notices",
		"set.language":                "Language",
		"set.attach":                  "Attachment of the notice email",
		"set.attach.":                 "The system's default",
		"set.attach.wav":              "WAV (as recorded)",
		"set.attach.mp3":              "MP3 (smaller)",
		"set.attach.none":             "No attachment",
		"set.timezone":                "Time zone of the dates",
		"set.timezone.hint":           "An IANA name such as Europe/Paris or America/Montreal; empty for the system's.",
		"set.save":                    "Save",
		"set.saved":                   "Settings saved.",
		"set.invalid":                 "Not saved: ",
		"err.csrf":                    "This form has expired. Please try again.",
		"err.generic":                 "Something went wrong; please try again.",
		"adm.search":                  "Search mailboxes",
		"adm.searchq":                 "Number or name",
		"adm.go":                      "Search",
		"adm.number":                  "Mailbox",
		"adm.name":                    "Name",
		"adm.email":                   "Email",
		"adm.counts":                  "New / Old",
		"adm.create":                  "Create a mailbox",
		"adm.pin":                     "Initial PIN (empty: generate a one-time PIN)",
		"adm.newpin":                  "New PIN (empty: generate a one-time PIN)",
		"adm.created":                 "Mailbox created.",
		"adm.genpin":                  "One-time PIN (shown once): ",
		"adm.edit":                    "Edit",
		"adm.resetpin":                "Reset PIN",
		"adm.unlock":                  "Clear lockout",
		"adm.unlocked":                "Lockout cleared.",
		"adm.locked":                  "Locked out",
		"adm.notlocked":               "Not locked out",
		"adm.failures":                "wrong PINs in the window",
		"adm.delete":                  "Delete mailbox",
		"adm.confirm":                 "Delete this mailbox and all its messages?",
		"adm.deleted":                 "Mailbox deleted.",
		"adm.saved":                   "Mailbox saved.",
		"adm.next":                    "Next page",
		"adm.time":                    "Time",
		"adm.actor":                   "Who",
		"adm.action":                  "Action",
		"adm.target":                  "Target",
		"adm.result":                  "Result",
		"adm.none":                    "Nothing found.",
		"lang.en":                     "English",
		"lang.fr":                     "Français",
	},
	"fr": {
		"title":                       "Messagerie vocale",
		"skip":                        "Aller au contenu",
		"login.title":                 "Connexion à votre messagerie",
		"login.mailbox":               "Numéro de boîte vocale",
		"login.pin":                   "Code",
		"login.submit":                "Se connecter",
		"login.wrong":                 "Boîte vocale ou code incorrect.",
		"login.locked":                "Trop de codes erronés : cette boîte est verrouillée pour le moment, au téléphone aussi. Réessayez plus tard ou contactez votre administrateur.",
		"login.expired":               "Votre session a pris fin. Veuillez vous reconnecter.",
		"login.admin":                 "Connexion administrateur",
		"login.owner":                 "Connexion à une boîte vocale",
		"admin.login":                 "Connexion administrateur",
		"admin.token":                 "Jeton d’administrateur",
		"admin.wrong":                 "Jeton inconnu.",
		"logout":                      "Se déconnecter",
		"nav.main":                    "Principal",
		"nav.folders":                 "Dossiers",
		"nav.greetings":               "Annonces",
		"nav.settings":                "Réglages",
		"nav.mailboxes":               "Boîtes vocales",
		"nav.audit":                   "Journal d’audit",
		"folder.New":                  "Nouveaux",
		"folder.Old":                  "Anciens",
		"folder.Work":                 "Travail",
		"folder.Family":               "Famille",
		"folder.Friends":              "Amis",
		"folder.Urgent":               "Urgents",
		"msg.none":                    "Aucun message dans ce dossier.",
		"msg.date":                    "Reçu le",
		"msg.caller":                  "De",
		"msg.duration":                "Durée",
		"msg.actions":                 "Actions",
		"msg.urgent":                  "Urgent",
		"msg.unknown":                 "Appelant inconnu",
		"msg.play":                    "Écouter le message de",
		"msg.download":                "Télécharger (WAV)",
		"msg.delete":                  "Supprimer",
		"msg.confirm":                 "Supprimer ce message ?",
		"msg.move":                    "Déplacer vers",
		"msg.moveto":                  "Dossier où déplacer le message",
		"msg.heard":                   "Marquer comme écouté",
		"msg.unheard":                 "Marquer comme non écouté",
		"msg.deleted":                 "Message supprimé.",
		"msg.moved":                   "Message déplacé.",
		"msg.marked":                  "Message mis à jour.",
		"msg.live":                    "Nouveau message reçu.",
		"msg.list":                    "Messages",
		"greet.title":                 "Annonces et nom",
		"greet.now":                   "Les appelants entendent actuellement",
		"greet.temp":                  "Annonce temporaire",
		"greet.unavail":               "Annonce d’absence",
		"greet.busy":                  "Annonce « occupé »",
		"greet.name":                  "Votre nom enregistré",
		"greet.none":                  "Non enregistré : enregistrez-le par téléphone (options de la boîte).",
		"greet.delete":                "Supprimer l’annonce temporaire",
		"greet.deleted":               "Annonce temporaire supprimée.",
		"greet.active.temp":           "votre annonce temporaire",
		"greet.active.unavail":        "votre annonce d’absence (votre annonce « occupé » quand vous êtes en ligne, si elle existe)",
		"greet.active.default-name":   "l’annonce standard avec votre nom enregistré",
		"greet.active.default-number": "l’annonce standard avec votre numéro de boîte",
		"greet.upload":                "L’envoi de fichiers n’est pas encore disponible : enregistrez vos annonces par téléphone.",
		"set.title":                   "Réglages",
		"set.pin":                     "Changer de code",
		"set.pin.must":                "Veuillez choisir un nouveau code avant de continuer.",
		"set.pin.new":                 "Nouveau code",
		"set.pin.again":               "Nouveau code (confirmation)",
		"set.pin.rules":               "Chiffres uniquement ; au moins %d ; ni un chiffre répété, ni une suite (1234), ni le code par défaut, ni votre numéro de boîte.",
		"set.pin.mismatch":            "Les deux codes diffèrent.",
		"set.pin.weak":                "Ce code n’est pas autorisé : ",
		"set.pin.done":                "Code changé, au téléphone aussi.",
		"set.profile":                 "Avis, fuseau horaire et langue",
		"set.email":                   "Adresse de courriel pour les avis de nouveaux messages",
		"set.language":                "Langue",
		"set.attach":                  "Pièce jointe du courriel d’avis",
		"set.attach.":                 "Réglage par défaut du système",
		"set.attach.wav":              "WAV (tel qu’enregistré)",
		"set.attach.mp3":              "MP3 (plus léger)",
		"set.attach.none":             "Aucune pièce jointe",
		"set.timezone":                "Fuseau horaire des dates",
		"set.timezone.hint":           "Un nom IANA comme Europe/Paris ou America/Montreal ; vide pour celui du système.",
		"set.save":                    "Enregistrer",
		"set.saved":                   "Réglages enregistrés.",
		"set.invalid":                 "Non enregistré : ",
		"err.csrf":                    "Ce formulaire a expiré. Veuillez réessayer.",
		"err.generic":                 "Une erreur est survenue ; veuillez réessayer.",
		"adm.search":                  "Rechercher des boîtes",
		"adm.searchq":                 "Numéro ou nom",
		"adm.go":                      "Rechercher",
		"adm.number":                  "Boîte",
		"adm.name":                    "Nom",
		"adm.email":                   "Courriel",
		"adm.counts":                  "Nouveaux / anciens",
		"adm.create":                  "Créer une boîte",
		"adm.pin":                     "Code initial (vide : code à usage unique généré)",
		"adm.newpin":                  "Nouveau code (vide : code à usage unique généré)",
		"adm.created":                 "Boîte créée.",
		"adm.genpin":                  "Code à usage unique (affiché une seule fois) : ",
		"adm.edit":                    "Modifier",
		"adm.resetpin":                "Réinitialiser le code",
		"adm.unlock":                  "Lever le verrouillage",
		"adm.unlocked":                "Verrouillage levé.",
		"adm.locked":                  "Verrouillée",
		"adm.notlocked":               "Non verrouillée",
		"adm.failures":                "codes erronés dans la fenêtre",
		"adm.delete":                  "Supprimer la boîte",
		"adm.confirm":                 "Supprimer cette boîte et tous ses messages ?",
		"adm.deleted":                 "Boîte supprimée.",
		"adm.saved":                   "Boîte enregistrée.",
		"adm.next":                    "Page suivante",
		"adm.time":                    "Heure",
		"adm.actor":                   "Qui",
		"adm.action":                  "Action",
		"adm.target":                  "Cible",
		"adm.result":                  "Résultat",
		"adm.none":                    "Aucun résultat.",
		"lang.en":                     "English",
		"lang.fr":                     "Français",
	},
}

// word returns the text of key in lang.
func word(lang, key string) string {
	if s, ok := words[lang][key]; ok {
		return s
	}
	if s, ok := words["en"][key]; ok {
		return s
	}
	return key
}

// pickLang returns the pages' language for a mailbox language ("fr_CA")
// or an Accept-Language header: the first of languages that fits.
func pickLang(prefs ...string) string {
	for _, p := range prefs {
		for _, part := range strings.Split(p, ",") {
			tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
			for _, l := range languages {
				if tag == l || strings.HasPrefix(tag, l+"-") || strings.HasPrefix(tag, l+"_") {
					return l
				}
			}
		}
	}
	return languages[0]
}

// requestLang is the language of a request without a session: ?lang=,
// else the vm_lang cookie, else Accept-Language.
func requestLang(r *http.Request) string {
	q := r.URL.Query().Get("lang")
	c := ""
	if ck, err := r.Cookie("vm_lang"); err == nil {
		c = ck.Value
	}
	for _, v := range []string{q, c} {
		for _, l := range languages {
			if v == l {
				return l
			}
		}
	}
	return pickLang(r.Header.Get("Accept-Language"))
}
