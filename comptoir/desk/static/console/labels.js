/* Every word the console shows, in French and in English.
 *
 * Each entry is one pair, `code: ["français", "English"],` (one per line): the two
 * languages of a label sit together, so neither can be forgotten. CODE_WORDS turns the
 * codes the desk sends (a ticket's reason, priority and status, the intents the bot
 * recognised, the steps it took, order and return statuses…) into words an agent
 * reads; UNKNOWN_WORDS is what a code missing here shows instead (never the raw code).
 * SENTENCES holds the console's own sentences. tests/unit/test_console_labels.py reads
 * this file as text and checks that every reason, intent, step and status the code can
 * produce has both languages.
 *
 * The exports are the tables i18n.js reads, built from the pairs: CODES[kind][code] and
 * UNKNOWN[kind] are `{ fr, en }`, UI[language] is one language's sentences.
 */

/** Where each language sits in a `["français", "English"]` pair. */
const LANGUAGE_INDEX = { fr: 0, en: 1 };

const CODE_WORDS = {
  // Why the ticket was opened (actions/handoff.py, the desk's default).
  reason: {
    shopper_request: ["Demande du client", "Shopper asked"],
    knowledge_miss: ["Question restée sans réponse", "Question the bot could not answer"],
    verification_locked: ["Vérification de commande bloquée", "Order verification locked"],
    return_exception: ["Retour refusé", "Return refused"],
    refund_overdue: ["Remboursement en retard", "Refund overdue"],
    parcel_inquiry: ["Colis bloqué", "Stuck parcel"],
  },
  priority: {
    normal: ["normale", "normal"],
    high: ["haute", "high"],
  },
  // A ticket's status (comptoir/desk/tickets.py).
  status: {
    waiting: ["en attente", "waiting"],
    claimed: ["pris en charge", "taken"],
    collecting: ["coordonnées en cours de saisie", "collecting contact details"],
    offline: ["hors horaires, à traiter par e-mail", "out of hours, answer by e-mail"],
    handed_back: ["rendue au bot", "handed back to the bot"],
    resolved: ["clôturée", "resolved"],
  },
  // What the bot understood (bot/domain.yml intents).
  intent: {
    greet: ["a salué", "said hello"],
    goodbye: ["a dit au revoir", "said goodbye"],
    thank: ["a remercié", "said thanks"],
    affirm: ["a dit oui", "said yes"],
    deny: ["a dit non", "said no"],
    bot_challenge: ["a demandé s'il parlait à un robot", "asked if it was a bot"],
    order_status: ["suivi de commande", "order tracking"],
    start_return: ["retour", "return"],
    return_status: ["suivi d'un retour", "return follow-up"],
    request_human: ["a demandé un conseiller", "asked for a person"],
    faq: ["question sur la boutique", "question about the shop"],
    out_of_scope: ["hors sujet", "off topic"],
    nlu_fallback: ["message non compris", "message not understood"],
  },
  // What the bot did (comptoir/desk/rasa_client.py BUSINESS_STEPS).
  step: {
    action_answer_knowledge: ["réponse tirée des articles", "answered from the articles"],
    action_order_status_start: ["début du suivi de commande", "started order tracking"],
    order_status_form: ["vérification de la commande", "order verification"],
    action_order_status_answer: ["état de la commande donné", "gave the order status"],
    action_return_flow: ["demande de retour", "return request"],
    action_return_status: ["état du retour donné", "gave the return status"],
    action_human_handoff: ["transfert vers un conseiller", "handed to a person"],
  },
  // An order's status (comptoir/shop/wording.py).
  order_status: {
    pending_payment: ["paiement en attente", "payment pending"],
    paid: ["payée", "paid"],
    preparing: ["en préparation", "being prepared"],
    shipped: ["expédiée", "shipped"],
    in_transit: ["en route", "on its way"],
    out_for_delivery: ["en cours de livraison", "out for delivery"],
    delivered: ["livrée", "delivered"],
    delivery_exception: ["problème de livraison", "delivery problem"],
    returned_to_sender: ["revenue sans être livrée", "returned to sender"],
    cancelled: ["annulée", "cancelled"],
  },
  // A return's status (comptoir/shop/returns.py).
  return_status: {
    requested: ["demandé", "requested"],
    label_sent: ["étiquette envoyée", "label sent"],
    in_transit: ["en route vers nous", "on its way to us"],
    received: ["reçu", "received"],
    inspected: ["vérifié", "inspected"],
    refunded: ["remboursé", "refunded"],
    exchanged: ["échangé", "exchanged"],
    repaired: ["réparé", "repaired"],
    rejected: ["refusé", "rejected"],
  },
  role: {
    agent: ["conseiller·ère", "agent"],
    editor: ["rédacteur·rice", "editor"],
    admin: ["administrateur·rice", "administrator"],
  },
  language: {
    fr: ["français", "French"],
    en: ["anglais", "English"],
  },
  // Which limit stopped an order check (comptoir/shop/verification.py LIMITS).
  lockout_limit: {
    conversation: ["Trop d'essais dans une même conversation", "Too many tries in one conversation"],
    address: ["Trop d'essais depuis une même adresse en une heure", "Too many tries from one address in an hour"],
    order_address: ["Trop d'essais sur une commande depuis une même adresse", "Too many tries on one order from one address"],
    global: ["Trop d'essais en tout : vérifications suspendues pour tous", "Too many tries overall: checks paused for everyone"],
  },
  // What the editors' preview says the bot would do (comptoir/kb preview).
  decision: {
    answer: ["Le bot répond avec cet article", "The bot answers with this article"],
    clarify: ["Le bot demande de choisir entre ces articles", "The bot asks the shopper to choose between these articles"],
    none: ["Le bot dit qu'il ne sait pas (et note la question ci-contre)", "The bot says it does not know (and lists the question opposite)"],
  },
};

const UNKNOWN_WORDS = {
  reason: ["Autre motif", "Other reason"],
  priority: ["non précisée", "not set"],
  status: ["statut inconnu", "unknown status"],
  intent: ["autre demande", "other request"],
  step: ["autre étape", "other step"],
  order_status: ["statut inconnu", "unknown status"],
  return_status: ["statut inconnu", "unknown status"],
  role: ["compte", "account"],
  language: ["autre langue", "other language"],
  decision: ["Réponse du bot inconnue", "Unknown bot decision"],
  lockout_limit: ["Limite de vérification atteinte", "Verification limit reached"],
};

const SENTENCES = {
  docTitle: ["Comptoir — console", "Comptoir — console"],
  title: ["Comptoir — console des conseillers", "Comptoir — agents' console"],
  langSwitch: ["Langue de la console", "Console language"],
  logout: ["Se déconnecter", "Sign out"],
  signIn: ["Connexion", "Sign in"],
  username: ["Identifiant", "User name"],
  password: ["Mot de passe", "Password"],
  signInButton: ["Se connecter", "Sign in"],
  badCredentials: ["Identifiant ou mot de passe incorrect.", "Wrong user name or password."],
  tooManyAttempts: ["Trop de tentatives de connexion : réessayez dans {seconds} s.", "Too many sign-in attempts: try again in {seconds} s."],
  who: ["{name} ({role})", "{name} ({role})"],
  queue: ["File d'attente", "Queue"],
  queueEmpty: ["Personne n'attend.", "Nobody is waiting."],
  conversation: ["Conversation", "Conversation"],
  pickTicket: ["Choisissez une demande dans la file d'attente.", "Pick a request in the queue."],
  shopperTyping: ["Le client écrit…", "The shopper is typing…"],
  claim: ["Prendre la conversation", "Take the conversation"],
  handBack: ["Rendre la main au bot", "Hand back to the bot"],
  resolve: ["Clôturer la demande", "Close the request"],
  cannedLabel: ["Réponse type", "Canned reply"],
  cannedPlaceholder: ["Réponses types…", "Canned replies…"],
  replyLabel: ["Votre réponse", "Your reply"],
  send: ["Envoyer", "Send"],
  notes: ["Notes internes", "Internal notes"],
  noteLabel: ["Note interne (invisible pour le client)", "Internal note (the shopper never sees it)"],
  addNote: ["Ajouter", "Add"],
  order: ["Commande", "Order"],
  noOrder: ["Aucune commande vérifiée.", "No verified order."],
  waitingFor: ["en attente depuis {time}", "waiting for {time}"],
  takenBy: ["pris par {name}", "taken by {name}"],
  lessThanAMinute: ["< 1 min", "< 1 min"],
  minutes: ["{n} min", "{n} min"],
  highPriority: ["Priorité haute", "High priority"],
  reasonTerm: ["Motif", "Reason"],
  priorityTerm: ["Priorité", "Priority"],
  statusTerm: ["Statut", "Status"],
  languageTerm: ["Langue du client", "Shopper's language"],
  orderTerm: ["Commande", "Order"],
  verified: ["{number} (vérifiée)", "{number} (verified)"],
  notVerified: ["{number} (non vérifiée)", "{number} (not verified)"],
  articlesTerm: ["Articles montrés", "Articles shown"],
  returnsTerm: ["Retours ouverts", "Returns opened"],
  intentsTerm: ["Compris par le bot", "Understood by the bot"],
  stepsTerm: ["Étapes du bot", "Bot's steps"],
  none: ["—", "—"],
  offlineTerm: ["Hors horaires", "Out of hours"],
  offlineAnswer: ["répondre à {email}", "answer {email}"],
  requestTerm: ["Demande", "Request"],
  shopper: ["Client", "Shopper"],
  bot: ["Bot", "Bot"],
  agent: ["Conseiller", "Agent"],
  says: ["{who} : {text}", "{who}: {text}"],
  noteLine: ["{name} : {text}", "{name}: {text}"],
  number: ["Numéro", "Number"],
  orderStatus: ["Statut", "Status"],
  email: ["E-mail", "E-mail"],
  promisedDelivery: ["Livraison promise", "Promised delivery"],
  lines: ["Articles", "Items"],
  parcels: ["Colis", "Parcels"],
  returns: ["Retours", "Returns"],
  returnLine: ["{number} ({status}) → ", "{number} ({status}) → "],
  newReturnStatus: ["Nouveau statut de {number}", "New status of {number}"],
  update: ["Mettre à jour", "Update"],
  transitionRefused: ["Ce retour ne peut pas passer à « {status} » depuis son statut actuel.", "This return cannot move to “{status}” from its current status."],
  alreadyClaimed: ["Un autre conseiller a déjà pris cette conversation.", "Another agent has already taken this conversation."],
  failed: ["La console n'a pas pu faire cette action. Réessayez.", "The console could not do that. Please try again."],
  previewTitle: ["Que répondrait le bot ?", "What would the bot answer?"],
  previewQuestion: ["Question d'un client", "A shopper's question"],
  previewPlaceholder: ["Question telle qu'un client l'écrirait", "The question as a shopper would type it"],
  previewLanguage: ["Langue de la conversation", "Conversation language"],
  test: ["Tester", "Test"],
  testQuestion: ["Tester « {question} »", "Test “{question}”"],
  searching: ["Recherche…", "Searching…"],
  previewFailed: ["Impossible de tester cette question.", "This question could not be tested."],
  emptyQuestion: ["Écrivez la question telle qu'un client la poserait.", "Type the question as a shopper would ask it."],
  questionTooLong: ["Cette question est trop longue.", "This question is too long."],
  otherLanguageArticle: [" (article de l'autre langue)", " (article in the other language)"],
  source: ["Source : {title} — {file}", "Source: {title} — {file}"],
  article: ["Article", "Article"],
  score: ["Score", "Score"],
  meaning: ["Sens", "Meaning"],
  words: ["Mots", "Words"],
  articlesInService: ["{n} articles en service.", "{n} articles in service."],
  ignoredArticle: ["Article ignoré — {problem}", "Article skipped — {problem}"],
  whyAnswerClearLead: ["Réponse : le meilleur score ({best}) dépasse le seuil de réponse ({answer}) et devance le suivant de {lead} (écart demandé : {margin}).", "Answer: the best score ({best}) is above the answer threshold ({answer}) and leads the next one by {lead} (lead required: {margin})."],
  whyAnswerOnlyCandidate: ["Réponse : le meilleur score ({best}) dépasse le seuil de réponse ({answer}) et aucun autre article ne lui ressemble.", "Answer: the best score ({best}) is above the answer threshold ({answer}) and no other article resembles the question."],
  whyAnswerNoRival: ["Réponse : le meilleur score ({best}) dépasse le seuil de réponse ({answer}) ; le suivant n'a que {lead} de moins (écart demandé : {margin}), mais il est trop loin pour être proposé (plus de {window}).", "Answer: the best score ({best}) is above the answer threshold ({answer}); the next one is only {lead} behind (lead required: {margin}), but too far behind to be offered (more than {window})."],
  whyCloseCandidates: ["Vouliez-vous dire : {n} articles sont trop proches (écart {lead} < {margin}) pour choisir seul.", "Did you mean: {n} articles are too close (lead {lead} < {margin}) to pick one alone."],
  whyBelowAnswerCandidates: ["Vouliez-vous dire : le meilleur score ({best}) est sous le seuil de réponse ({answer}) mais atteint le seuil « vouliez-vous dire » ({clarify}) ; les {n} articles à moins de {window} du meilleur sont proposés.", "Did you mean: the best score ({best}) is below the answer threshold ({answer}) but reaches the “did you mean” threshold ({clarify}); the {n} articles within {window} of the best are offered."],
  whySinglePlausible: ["Vouliez-vous dire : le meilleur score ({best}) est sous le seuil de réponse ({answer}) mais atteint le seuil « vouliez-vous dire » ({clarify}) ; aucun autre article n'en est assez près, celui-ci est proposé seul.", "Did you mean: the best score ({best}) is below the answer threshold ({answer}) but reaches the “did you mean” threshold ({clarify}); no other article is close enough, so it is offered alone."],
  whyBelowClarify: ["Pas de réponse : le meilleur score ({best}) est sous le seuil « vouliez-vous dire » ({clarify}).", "No answer: the best score ({best}) is below the “did you mean” threshold ({clarify})."],
  whyNoCandidates: ["Pas de réponse : aucun article n'a rien de commun avec cette question.", "No answer: no article has anything in common with this question."],
  whyOtherLanguage: ["Rien n'était plausible dans la langue de la question : ces scores sont ceux des articles de l'autre langue.", "Nothing was plausible in the question's language: these are the scores of the other language's articles."],
  whyUnknown: ["La raison de cette décision n'est pas disponible.", "The reason for this decision is not available."],
  thresholdsTitle: ["Seuils de cette base", "This knowledge base's thresholds"],
  thresholdsAutomatic: ["Calculés automatiquement sur {n} titres et intertitres de cette base, à chaque enregistrement d'un article.", "Calibrated automatically on {n} titles and headings of this knowledge base, every time an article is saved."],
  thresholdsFixed: ["Seuils fixes, réglés par l'équipe technique (le calcul automatique est désactivé).", "Fixed thresholds, set by the technical team (automatic calibration is turned off)."],
  thresholdsTooFew: ["Seuils fixes : trop peu d'articles dans cette langue pour les calculer.", "Fixed thresholds: too few articles in this language to calibrate them."],
  thresholdAnswer: ["Seuil de réponse (au-dessus, le bot peut répondre seul)", "Answer threshold (above it, the bot may answer alone)"],
  thresholdClarify: ["Seuil « vouliez-vous dire » (en dessous, le bot dit qu'il ne sait pas)", "“Did you mean” threshold (below it, the bot says it does not know)"],
  thresholdMargin: ["Écart demandé entre les deux premiers pour répondre", "Lead the first needs over the second to be answered"],
  thresholdWindow: ["Écart maximal avec le meilleur pour être proposé à côté", "Largest gap to the best for an article to be offered beside it"],
  closePairsTitle: ["Articles trop proches pour être distingués", "Articles too close to be told apart"],
  closePair: ["« {first} » et « {second} » (écart {gap})", "“{first}” and “{second}” (gap {gap})"],
  closePairReversed: ["« {first} » et « {second} » (le titre du premier fait même passer le second devant lui)", "“{first}” and “{second}” (the first one's title even brings up the second one first)"],
  closePairsHelp: ["Le titre de l'un ramène l'autre presque aussi haut : fusionnez-les, ou changez leurs titres pour dire ce qui les distingue.", "One's title brings up the other almost as high: merge them, or change their titles to say what differs."],
  closePairsNone: ["Aucun : le titre de chaque article mène bien à cet article.", "None: each article's title leads to that article."],
  missesTitle: ["Questions sans réponse", "Unanswered questions"],
  question: ["Question", "Question"],
  languageColumn: ["Langue", "Language"],
  times: ["Fois", "Times"],
  votesTitle: ["Avis des clients par article", "Shoppers' votes by article"],
  helpful: ["Utile", "Helpful"],
  notHelpful: ["Pas utile", "Not helpful"],
  lockoutsTitle: ["Vérifications de commande bloquées (24 h)", "Order checks locked (24 h)"],
  lockoutsEmpty: ["Aucun blocage aujourd'hui.", "No lockout today."],
  lockoutDetails: ["adresse {address} · commande {order} · conversation {conversation}", "address {address} · order {order} · conversation {conversation}"],
  unknownAddress: ["inconnue", "unknown"],
};

function mapValues(table, transform) {
  return Object.fromEntries(Object.entries(table).map(([key, value]) => [key, transform(value)]));
}

/** `{ fr: "…", en: "…" }` from a `["…", "…"]` pair. */
function byLanguage(pair) {
  return mapValues(LANGUAGE_INDEX, (index) => pair[index]);
}

export const CODES = mapValues(CODE_WORDS, (words) => mapValues(words, byLanguage));
export const UNKNOWN = mapValues(UNKNOWN_WORDS, byLanguage);
export const UI = mapValues(LANGUAGE_INDEX, (index) => mapValues(SENTENCES, (pair) => pair[index]));
