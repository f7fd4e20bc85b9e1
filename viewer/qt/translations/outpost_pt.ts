<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="pt_BR" sourcelanguage="en">
<context>
    <name></name>
    <message>
        <source>Window/level</source>
        <extracomment>The keys of the CT window presets, in the order :func:`viewer.core.display.presets_for` lists them. The drawing and navigation tools: (tool, key, text). The texts (and those of the tables below) are English, marked for translation (:func:`viewer.qt.qt_i18n.noop`); the menus show them translated.</extracomment>
        <translation>Janela/nível</translation>
    </message>
    <message>
        <source>Pan</source>
        <translation>Mover</translation>
    </message>
    <message>
        <source>Zoom</source>
        <translation>Zoom</translation>
    </message>
    <message>
        <source>Length</source>
        <translation>Comprimento</translation>
    </message>
    <message>
        <source>Angle</source>
        <translation>Ângulo</translation>
    </message>
    <message>
        <source>Ellipse ROI</source>
        <translation>ROI elíptica</translation>
    </message>
    <message>
        <source>Rectangle ROI</source>
        <translation>ROI retangular</translation>
    </message>
    <message>
        <source>Freehand ROI</source>
        <translation>ROI à mão livre</translation>
    </message>
    <message>
        <source>Window/level tool</source>
        <extracomment>What the shortcuts dialog says of the tools that are not drawn.</extracomment>
        <translation>Ferramenta janela/nível</translation>
    </message>
    <message>
        <source>Pan tool</source>
        <translation>Ferramenta de movimento</translation>
    </message>
    <message>
        <source>Zoom tool</source>
        <translation>Ferramenta de zoom</translation>
    </message>
    <message>
        <source>1x2 (side by side)</source>
        <extracomment>The layouts: (name, text, key).</extracomment>
        <translation>1x2 (lado a lado)</translation>
    </message>
    <message>
        <source>2x1 (one above the other)</source>
        <translation>2x1 (uma sobre a outra)</translation>
    </message>
    <message>
        <source>1x3 MPR (axial, coronal, sagittal)</source>
        <translation>1x3 MPR (axial, coronal, sagital)</translation>
    </message>
    <message>
        <source>CT Brain</source>
        <extracomment>The CT window presets&apos; menu texts and help, by preset name.</extracomment>
        <translation>TC Cérebro</translation>
    </message>
    <message>
        <source>CT window Brain</source>
        <translation>Janela TC cérebro</translation>
    </message>
    <message>
        <source>CT Subdural</source>
        <translation>TC Subdural</translation>
    </message>
    <message>
        <source>CT window Subdural</source>
        <translation>Janela TC subdural</translation>
    </message>
    <message>
        <source>CT Stroke</source>
        <translation>TC AVC</translation>
    </message>
    <message>
        <source>CT window Stroke</source>
        <translation>Janela TC AVC</translation>
    </message>
    <message>
        <source>CT Lung</source>
        <translation>TC Pulmão</translation>
    </message>
    <message>
        <source>CT window Lung</source>
        <translation>Janela TC pulmão</translation>
    </message>
    <message>
        <source>CT Mediastinum</source>
        <translation>TC Mediastino</translation>
    </message>
    <message>
        <source>CT window Mediastinum</source>
        <translation>Janela TC mediastino</translation>
    </message>
    <message>
        <source>CT Abdomen</source>
        <translation>TC Abdome</translation>
    </message>
    <message>
        <source>CT window Abdomen</source>
        <translation>Janela TC abdome</translation>
    </message>
    <message>
        <source>CT Liver</source>
        <translation>TC Fígado</translation>
    </message>
    <message>
        <source>CT window Liver</source>
        <translation>Janela TC fígado</translation>
    </message>
    <message>
        <source>CT Bone</source>
        <translation>TC Osso</translation>
    </message>
    <message>
        <source>CT window Bone</source>
        <translation>Janela TC osso</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <extracomment>The menus&apos; titles, by their path in :attr:`ActionSpec.menu`.</extracomment>
        <translation>&amp;Arquivo</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>E&amp;xibir</translation>
    </message>
    <message>
        <source>&amp;Window</source>
        <translation>&amp;Janela</translation>
    </message>
    <message>
        <source>&amp;Tools</source>
        <translation>&amp;Ferramentas</translation>
    </message>
    <message>
        <source>&amp;Plugins</source>
        <translation>&amp;Plugins</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>Aj&amp;uda</translation>
    </message>
    <message>
        <source>Layout</source>
        <translation>Layout</translation>
    </message>
    <message>
        <source>Open &amp;folder…</source>
        <extracomment>Values filled into the help texts&apos; placeholders after translation.</extracomment>
        <translation>Abrir &amp;pasta…</translation>
    </message>
    <message>
        <source>Open a folder</source>
        <translation>Abrir uma pasta</translation>
    </message>
    <message>
        <source>Open file, .zip or DICOMDIR…</source>
        <translation>Abrir arquivo, .zip ou DICOMDIR…</translation>
    </message>
    <message>
        <source>Open a file, .zip or DICOMDIR</source>
        <translation>Abrir um arquivo, .zip ou DICOMDIR</translation>
    </message>
    <message>
        <source>&amp;Import segmentation or structure set…</source>
        <translation>&amp;Importar segmentação ou RT Structure Set…</translation>
    </message>
    <message>
        <source>Import a DICOM SEG or RT Structure Set onto the series</source>
        <translation>Importar um DICOM SEG ou RT Structure Set sobre a série</translation>
    </message>
    <message>
        <source>Save &amp;report as DICOM SR…</source>
        <translation>Salvar &amp;laudo como DICOM SR…</translation>
    </message>
    <message>
        <source>Save the measurements and AI findings as a DICOM SR</source>
        <translation>Salvar as medidas e os achados da IA como DICOM SR</translation>
    </message>
    <message>
        <source>Save &amp;key images (KOS)…</source>
        <translation>Salvar imagens-&amp;chave (KOS)…</translation>
    </message>
    <message>
        <source>Save the key images as a Key Object Selection (KOS)</source>
        <translation>Salvar as imagens-chave como Key Object Selection (KOS)</translation>
    </message>
    <message>
        <source>Save &amp;presentation state (GSPS)…</source>
        <translation>Salvar estado de &amp;apresentação (GSPS)…</translation>
    </message>
    <message>
        <source>Export &amp;series (anonymised or as it is)…</source>
        <translation>Exportar &amp;série (anonimizada ou como está)…</translation>
    </message>
    <message>
        <source>&amp;Export view as PNG…</source>
        <translation>&amp;Exportar visualização como PNG…</translation>
    </message>
    <message>
        <source>Export the view as PNG</source>
        <translation>Exportar a visualização como PNG</translation>
    </message>
    <message>
        <source>DICOM &amp;tags…</source>
        <translation>&amp;Tags DICOM…</translation>
    </message>
    <message>
        <source>DICOM tag browser</source>
        <translation>Navegador de tags DICOM</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Sair</translation>
    </message>
    <message>
        <source>MPR layout (axial, coronal, sagittal)</source>
        <translation>Layout MPR (axial, coronal, sagital)</translation>
    </message>
    <message>
        <source>Single view / MPR layout</source>
        <translation>Visualização única / layout MPR</translation>
    </message>
    <message>
        <source>Crosshair and reference lines</source>
        <translation>Cursor em cruz e linhas de referência</translation>
    </message>
    <message>
        <source>Crosshair and reference lines (Shift+click moves it)</source>
        <translation>Cursor em cruz e linhas de referência (Shift+clique o move)</translation>
    </message>
    <message>
        <source>True reformats (oblique acquisitions)</source>
        <translation>Reconstruções verdadeiras (aquisições oblíquas)</translation>
    </message>
    <message>
        <source>Turn the crosshair clockwise</source>
        <translation>Girar o cursor em cruz no sentido horário</translation>
    </message>
    <message>
        <source>Oblique MPR: turn the crosshair {step}° clockwise (Ctrl+drag turns it too)</source>
        <translation>MPR oblíqua: girar o cursor em cruz {step}° no sentido horário (Ctrl+arrastar também o gira)</translation>
    </message>
    <message>
        <source>Turn the crosshair anticlockwise</source>
        <translation>Girar o cursor em cruz no sentido anti-horário</translation>
    </message>
    <message>
        <source>Oblique MPR: turn the crosshair {step}° anticlockwise</source>
        <translation>MPR oblíqua: girar o cursor em cruz {step}° no sentido anti-horário</translation>
    </message>
    <message>
        <source>Straighten the crosshair</source>
        <translation>Endireitar o cursor em cruz</translation>
    </message>
    <message>
        <source>Oblique MPR: straighten the crosshair (the patient&apos;s planes again)</source>
        <translation>MPR oblíqua: endireitar o cursor em cruz (de volta aos planos do paciente)</translation>
    </message>
    <message>
        <source>Layout {layout}</source>
        <translation>Layout {layout}</translation>
    </message>
    <message>
        <source>Compare with prior</source>
        <translation>Comparar com o anterior</translation>
    </message>
    <message>
        <source>Compare with the prior study</source>
        <translation>Comparar com o estudo anterior</translation>
    </message>
    <message>
        <source>Patient&apos;s other studies…</source>
        <translation>Outros estudos do paciente…</translation>
    </message>
    <message>
        <source>Presentation states…</source>
        <translation>Estados de apresentação…</translation>
    </message>
    <message>
        <source>Synchronised scrolling</source>
        <translation>Rolagem sincronizada</translation>
    </message>
    <message>
        <source>Synchronised scrolling on / off</source>
        <translation>Rolagem sincronizada ligada / desligada</translation>
    </message>
    <message>
        <source>Resynchronise here</source>
        <translation>Ressincronizar aqui</translation>
    </message>
    <message>
        <source>Resynchronise here: the slices shown stand against each other from now on</source>
        <translation>Ressincronizar aqui: os cortes exibidos se correspondem a partir de agora</translation>
    </message>
    <message>
        <source>Linked zoom and pan</source>
        <translation>Zoom e movimento vinculados</translation>
    </message>
    <message>
        <source>Linked window/level</source>
        <translation>Janela/nível vinculados</translation>
    </message>
    <message>
        <source>Reference lines between viewports</source>
        <translation>Linhas de referência entre as visualizações</translation>
    </message>
    <message>
        <source>Apply hanging protocol</source>
        <translation>Aplicar protocolo de exibição</translation>
    </message>
    <message>
        <source>Save layout as hanging protocol…</source>
        <translation>Salvar o layout como protocolo de exibição…</translation>
    </message>
    <message>
        <source>Next slice</source>
        <translation>Próximo corte</translation>
    </message>
    <message>
        <source>Previous slice</source>
        <translation>Corte anterior</translation>
    </message>
    <message>
        <source>Ten slices on</source>
        <translation>Dez cortes à frente</translation>
    </message>
    <message>
        <source>Ten slices back</source>
        <translation>Dez cortes atrás</translation>
    </message>
    <message>
        <source>First slice</source>
        <translation>Primeiro corte</translation>
    </message>
    <message>
        <source>Last slice</source>
        <translation>Último corte</translation>
    </message>
    <message>
        <source>Mark or unmark key image</source>
        <translation>Marcar ou desmarcar imagem-chave</translation>
    </message>
    <message>
        <source>Mark / unmark the image on screen as a key image</source>
        <translation>Marcar / desmarcar a imagem na tela como imagem-chave</translation>
    </message>
    <message>
        <source>Key images only</source>
        <translation>Somente imagens-chave</translation>
    </message>
    <message>
        <source>Show only the key images</source>
        <translation>Mostrar somente as imagens-chave</translation>
    </message>
    <message>
        <source>Next time point</source>
        <translation>Próximo ponto temporal</translation>
    </message>
    <message>
        <source>Previous time point</source>
        <translation>Ponto temporal anterior</translation>
    </message>
    <message>
        <source>Cine</source>
        <translation>Cine</translation>
    </message>
    <message>
        <source>Cine play / pause</source>
        <translation>Cine reproduzir / pausar</translation>
    </message>
    <message>
        <source>Invert</source>
        <translation>Inverter</translation>
    </message>
    <message>
        <source>Reset view</source>
        <translation>Redefinir visualização</translation>
    </message>
    <message>
        <source>Reset the view</source>
        <translation>Redefinir a visualização</translation>
    </message>
    <message>
        <source>Fit to window</source>
        <translation>Ajustar à janela</translation>
    </message>
    <message>
        <source>Actual size (1:1)</source>
        <translation>Tamanho real (1:1)</translation>
    </message>
    <message>
        <source>Rotate left</source>
        <translation>Girar para a esquerda</translation>
    </message>
    <message>
        <source>Rotate right</source>
        <translation>Girar para a direita</translation>
    </message>
    <message>
        <source>Flip horizontally</source>
        <translation>Espelhar horizontalmente</translation>
    </message>
    <message>
        <source>Flip vertically</source>
        <translation>Espelhar verticalmente</translation>
    </message>
    <message>
        <source>File&apos;s own window</source>
        <translation>Janela do próprio arquivo</translation>
    </message>
    <message>
        <source>The file&apos;s own window</source>
        <translation>A janela do próprio arquivo</translation>
    </message>
    <message>
        <source>&amp;Segment editor…</source>
        <translation>Editor de &amp;segmentos…</translation>
    </message>
    <message>
        <source>Segment editor: correct an AI result or a SEG with the brush, save as DICOM SEG</source>
        <translation>Editor de segmentos: corrigir um resultado da IA ou um SEG com o pincel, salvar como DICOM SEG</translation>
    </message>
    <message>
        <source>Undo segment edit</source>
        <translation>Desfazer edição do segmento</translation>
    </message>
    <message>
        <source>Segment editor: undo</source>
        <translation>Editor de segmentos: desfazer</translation>
    </message>
    <message>
        <source>Redo segment edit</source>
        <translation>Refazer edição do segmento</translation>
    </message>
    <message>
        <source>Segment editor: redo (Ctrl+Y too while editing)</source>
        <translation>Editor de segmentos: refazer (também Ctrl+Y durante a edição)</translation>
    </message>
    <message>
        <source>Delete selected measurement</source>
        <translation>Excluir a medida selecionada</translation>
    </message>
    <message>
        <source>Delete the selected measurement</source>
        <translation>Excluir a medida selecionada</translation>
    </message>
    <message>
        <source>Stop drawing</source>
        <translation>Parar o desenho</translation>
    </message>
    <message>
        <source>Stop drawing, back to window/level</source>
        <translation>Parar o desenho, voltar a janela/nível</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Atalhos de teclado</translation>
    </message>
    <message>
        <source>This help</source>
        <translation>Esta ajuda</translation>
    </message>
    <message>
        <source>Audit log…</source>
        <translation>Registro de auditoria…</translation>
    </message>
    <message>
        <source>Wheel</source>
        <extracomment>What the mouse does, and keys that are not menu actions, for the shortcuts dialog.</extracomment>
        <translation>Roda do mouse</translation>
    </message>
    <message>
        <source>Previous / next slice</source>
        <translation>Corte anterior / próximo</translation>
    </message>
    <message>
        <source>Ctrl+wheel, right drag</source>
        <translation>Ctrl+roda, arrastar com o botão direito</translation>
    </message>
    <message>
        <source>Middle drag</source>
        <translation>Arrastar com o botão do meio</translation>
    </message>
    <message>
        <source>Left drag</source>
        <translation>Arrastar com o botão esquerdo</translation>
    </message>
    <message>
        <source>Active tool</source>
        <translation>Ferramenta ativa</translation>
    </message>
    <message>
        <source>Network: study store, PACS query/retrieve, receiver</source>
        <translation>Rede: repositório de estudos, consulta/recuperação PACS, receptor</translation>
    </message>
    <message>
        <source>Studies</source>
        <extracomment>How long closing the window waits for cancelled jobs to end (ms). How long after the last change the measurements are kept (several quick changes: one write). The docks&apos; titles (the window knows a dock by its English title, :attr:`QtMainWindow.docks`; it shows it translated). The AI plugin&apos;s dock is among them.</extracomment>
        <translation>Estudos</translation>
    </message>
    <message>
        <source>Not shown</source>
        <translation>Não exibidos</translation>
    </message>
    <message>
        <source>Measurements</source>
        <translation>Medidas</translation>
    </message>
    <message>
        <source>Overlays</source>
        <translation>Sobreposições</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>Rede</translation>
    </message>
    <message>
        <source>Segment editor</source>
        <translation>Editor de segmentos</translation>
    </message>
    <message>
        <source>AI</source>
        <extracomment>Menus that plugins add by name (:meth:`QtMainWindow.add_menu_action`), shown translated.</extracomment>
        <translation>IA</translation>
    </message>
    <message>
        <source>Worklist</source>
        <translation>Lista de trabalho</translation>
    </message>
    <message>
        <source>Run model</source>
        <translation>Executar o modelo</translation>
    </message>
    <message>
        <source>Cancel AI job</source>
        <translation>Cancelar a tarefa de IA</translation>
    </message>
    <message>
        <source>Explain result</source>
        <translation>Explicar o resultado</translation>
    </message>
    <message>
        <source>Install the selected pack…</source>
        <translation>Instalar o pacote selecionado…</translation>
    </message>
    <message>
        <source>Open batch worklist…</source>
        <translation>Abrir a lista de trabalho em lote…</translation>
    </message>
    <message>
        <source>Name</source>
        <extracomment>The viewer&apos;s setting that remembers the folder of offered packs the user chose. The catalogue&apos;s columns (shown translated).</extracomment>
        <translation>Nome</translation>
    </message>
    <message>
        <source>Where</source>
        <translation>Local</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Data</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Descrição</translation>
    </message>
    <message>
        <source>Modalities</source>
        <translation>Modalidades</translation>
    </message>
    <message>
        <source>opened folders</source>
        <extracomment>Characters of a description shown (the rest is cut, with &quot;...&quot;).</extracomment>
        <translation>pastas abertas</translation>
    </message>
    <message>
        <source>local store</source>
        <translation>repositório local</translation>
    </message>
    <message>
        <source>in the opened folders</source>
        <translation>nas pastas abertas</translation>
    </message>
    <message>
        <source>the local study store</source>
        <translation>o repositório local de estudos</translation>
    </message>
    <message>
        <source>on the PACS</source>
        <translation>no PACS</translation>
    </message>
    <message>
        <source>{places} or {last}</source>
        <translation>{places} ou {last}</translation>
    </message>
    <message>
        <source>No earlier study of this patient with a matching series was found {where}</source>
        <translation>Nenhum estudo anterior deste paciente com uma série correspondente foi encontrado {where}</translation>
    </message>
    <message>
        <source>Licence</source>
        <translation>Licença</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Tamanho</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Estado</translation>
    </message>
    <message>
        <source>Task</source>
        <extracomment>The model card&apos;s headings (:data:`ai.packs.card.CARD_FIELDS`, with the site threshold&apos;s) and the banner, marked for translation: the card shows them in the interface&apos;s language.</extracomment>
        <translation>Tarefa</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Versão</translation>
    </message>
    <message>
        <source>Authors</source>
        <translation>Autores</translation>
    </message>
    <message>
        <source>Intended use</source>
        <translation>Uso pretendido</translation>
    </message>
    <message>
        <source>Training data</source>
        <translation>Dados de treinamento</translation>
    </message>
    <message>
        <source>Published metrics</source>
        <translation>Métricas publicadas</translation>
    </message>
    <message>
        <source>Checked here</source>
        <translation>Verificado aqui</translation>
    </message>
    <message>
        <source>References</source>
        <translation>Referências</translation>
    </message>
    <message>
        <source>Site threshold</source>
        <translation>Limiar do serviço</translation>
    </message>
    <message>
        <source>not stated</source>
        <translation>não informado</translation>
    </message>
    <message>
        <source>Not for diagnostic use</source>
        <translation>Não destinado a uso diagnóstico</translation>
    </message>
    <message>
        <source>bundled</source>
        <extracomment>The catalogue&apos;s words for where a pack is, its state and an unnamed group (:mod:`ai.packs.catalogue`), shown translated (:func:`_word`).</extracomment>
        <translation>incluído</translation>
    </message>
    <message>
        <source>installed</source>
        <translation>instalado</translation>
    </message>
    <message>
        <source>file</source>
        <translation>arquivo</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>pronto</translation>
    </message>
    <message>
        <source>needs trust</source>
        <translation>requer confiança</translation>
    </message>
    <message>
        <source>refused</source>
        <translation>recusado</translation>
    </message>
    <message>
        <source>any</source>
        <translation>qualquer região</translation>
    </message>
    <message>
        <source>any modality</source>
        <translation>qualquer modalidade</translation>
    </message>
    <message>
        <source>input not checked against the training data</source>
        <extracomment>Shown for a result whose pack records no statistics of its training inputs (:data:`NOT_CHECKED`).</extracomment>
        <translation>entrada não verificada em relação aos dados de treinamento</translation>
    </message>
    <message>
        <source>; </source>
        <extracomment>Between the findings of the input check (French puts a space before the semicolon).</extracomment>
        <translation>; </translation>
    </message>
    <message>
        <source>B</source>
        <extracomment>The units of a pack&apos;s size (:func:`viewer.core.files.format_size`&apos;s), shown translated (French: &quot;Mio&quot;).</extracomment>
        <translation>B</translation>
    </message>
    <message>
        <source>KiB</source>
        <translation>KiB</translation>
    </message>
    <message>
        <source>MiB</source>
        <translation>MiB</translation>
    </message>
    <message>
        <source>GiB</source>
        <translation>GiB</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>Hora</translation>
    </message>
    <message>
        <source>User</source>
        <translation>Usuário</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>Evento</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Detalhes</translation>
    </message>
    <message>
        <source>Open a series first: the hanging protocol is chosen by its modality, body part and description</source>
        <translation>Abra uma série primeiro: o protocolo de exibição é escolhido pela modalidade, região anatômica e descrição</translation>
    </message>
    <message>
        <source>No hanging protocol matches this series</source>
        <translation>Nenhum protocolo de exibição corresponde a esta série</translation>
    </message>
    <message>
        <source>Hanging protocol: no prior ({error})</source>
        <translation>Protocolo de exibição: sem estudo anterior ({error})</translation>
    </message>
    <message>
        <source>Hanging protocol: {name}</source>
        <translation>Protocolo de exibição: {name}</translation>
    </message>
    <message>
        <source>Hanging protocol {name} saved in {path}</source>
        <translation>Protocolo de exibição {name} salvo em {path}</translation>
    </message>
    <message>
        <source>Open a series first: a hanging protocol is saved for its modality and body part</source>
        <translation>Abra uma série primeiro: um protocolo de exibição é salvo para a modalidade e a região anatômica</translation>
    </message>
    <message>
        <source>Save layout as hanging protocol</source>
        <translation>Salvar o layout como protocolo de exibição</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Nome:</translation>
    </message>
    <message>
        <source>This series has no true reformats (a projection image, a single image or colour)</source>
        <extracomment>Degrees one key press turns the crosshair.</extracomment>
        <translation>Esta série não tem reconstruções verdadeiras (imagem de projeção, imagem única ou colorida)</translation>
    </message>
    <message>
        <source>True reformats: the patient&apos;s planes, resampled linearly</source>
        <translation>Reconstruções verdadeiras: os planos do paciente, reamostrados linearmente</translation>
    </message>
    <message>
        <source>The crosshair turns on a volume&apos;s axial, coronal and sagittal views only</source>
        <translation>O cursor em cruz só gira nas visualizações axial, coronal e sagital de um volume</translation>
    </message>
    <message>
        <source>undated</source>
        <extracomment>What the scan calls the objects read here (see viewer.core.dicom.scan.OBJECT_FAMILIES).</extracomment>
        <translation>sem data</translation>
    </message>
    <message>
        <source>{n} measurement(s) drawn from the study&apos;s reports</source>
        <translation>{n} medida(s) desenhada(s) a partir dos laudos do estudo</translation>
    </message>
    <message>
        <source>{n} not drawn (no place on these images)</source>
        <translation>{n} não desenhada(s) (sem lugar nestas imagens)</translation>
    </message>
    <message>
        <source>{n} presentation state(s) saved with this study: View ▸ Presentation states…</source>
        <translation>{n} estado(s) de apresentação salvo(s) com este estudo: Exibir ▸ Estados de apresentação…</translation>
    </message>
    <message>
        <source>{n} presentation state(s) could not be read</source>
        <translation>{n} estado(s) de apresentação não puderam ser lidos</translation>
    </message>
    <message>
        <source>No presentation state was saved with this study for the series shown</source>
        <translation>Nenhum estado de apresentação foi salvo com este estudo para a série exibida</translation>
    </message>
    <message>
        <source>{n} graphic(s) not drawn</source>
        <translation>{n} gráfico(s) não desenhado(s)</translation>
    </message>
    <message>
        <source>Presentation state {name} applied: {n} annotation(s)</source>
        <translation>Estado de apresentação {name} aplicado: {n} anotação(ões)</translation>
    </message>
    <message>
        <source>Save presentation state (GSPS)</source>
        <translation>Salvar estado de apresentação (GSPS)</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>Salvo: {path}</translation>
    </message>
    <message>
        <source>I trust where this pack came from</source>
        <translation>Confio na procedência deste pacote</translation>
    </message>
    <message>
        <source>Install pack…</source>
        <translation>Instalar pacote…</translation>
    </message>
    <message>
        <source>Install a model pack after reading who made it and its checksum</source>
        <translation>Instalar um pacote de modelo após ler quem o criou e sua soma de verificação</translation>
    </message>
    <message>
        <source>From a .zip file…</source>
        <translation>De um arquivo .zip…</translation>
    </message>
    <message>
        <source>From a folder…</source>
        <translation>De uma pasta…</translation>
    </message>
    <message>
        <source>List the packs of a folder in the catalogue…</source>
        <translation>Listar os pacotes de uma pasta no catálogo…</translation>
    </message>
    <message>
        <source>A folder of model packs (.zip files or pack folders) to list in the catalogue</source>
        <translation>Uma pasta de pacotes de modelos (arquivos .zip ou pastas de pacotes) para listar no catálogo</translation>
    </message>
    <message>
        <source>Install a model pack from a folder</source>
        <translation>Instalar um pacote de modelo de uma pasta</translation>
    </message>
    <message>
        <source>Install a model pack</source>
        <translation>Instalar um pacote de modelo</translation>
    </message>
    <message>
        <source>Model packs (*.zip)</source>
        <translation>Pacotes de modelos (*.zip)</translation>
    </message>
    <message>
        <source>AI: reading {name}</source>
        <translation>IA: lendo {name}</translation>
    </message>
    <message>
        <source>Paint</source>
        <extracomment>How long after the last edit the statistics are recomputed (ms): strokes stay fast. What the algorithm of segments the reader changed is called in the saved SEG. The brush tools of the dock: (tool, button text, tooltip).</extracomment>
        <translation>Pintar</translation>
    </message>
    <message>
        <source>Paint the active segment with a round brush (left drag)</source>
        <translation>Pintar o segmento ativo com um pincel redondo (arrastar com o botão esquerdo)</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>Apagar</translation>
    </message>
    <message>
        <source>Erase the active segment with a round brush (left drag)</source>
        <translation>Apagar o segmento ativo com um pincel redondo (arrastar com o botão esquerdo)</translation>
    </message>
    <message>
        <source>Grow from click</source>
        <translation>Crescer a partir de um clique</translation>
    </message>
    <message>
        <source>Region growing: click a seed in a view</source>
        <translation>Crescimento de região: clique em uma semente em uma visualização</translation>
    </message>
    <message>
        <source>Axial</source>
        <extracomment>Index axis (z, y, x) of each view, for fill between slices.</extracomment>
        <translation>Axial</translation>
    </message>
    <message>
        <source>Coronal</source>
        <translation>Coronal</translation>
    </message>
    <message>
        <source>Sagittal</source>
        <translation>Sagital</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>Segmento</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Mostrar</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Bloqueio</translation>
    </message>
    <message>
        <source>Mean</source>
        <translation>Média</translation>
    </message>
    <message>
        <source>Range</source>
        <translation>Intervalo</translation>
    </message>
    <message>
        <source>Flag</source>
        <extracomment>The table&apos;s columns.</extracomment>
        <translation>Sinal</translation>
    </message>
    <message>
        <source>Score</source>
        <translation>Escore</translation>
    </message>
    <message>
        <source>Study date</source>
        <translation>Data do estudo</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>Modalidade</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>Lido</translation>
    </message>
    <message>
        <source>Opinion</source>
        <translation>Opinião</translation>
    </message>
    <message>
        <source>read</source>
        <extracomment>The mark of a flagged series, and its colour. The tint of a flagged row&apos;s other cells. How often the dock looks whether the batch changed (milliseconds). The earliest date of the date filters: shown as &quot;any&quot;. The keys of the reader&apos;s marks.</extracomment>
        <translation>lido</translation>
    </message>
</context>
<context>
    <name>AIPanel</name>
    <message>
        <source>Model packs (suited to this series first, marked ✓)</source>
        <translation>Pacotes de modelos (primeiro os adequados a esta série, marcados ✓)</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Executar</translation>
    </message>
    <message>
        <source>Run the selected model on this series (Ctrl+Shift+R)</source>
        <translation>Executar o modelo selecionado nesta série (Ctrl+Shift+R)</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Stop the AI job (Ctrl+Shift+X)</source>
        <translation>Parar a tarefa de IA (Ctrl+Shift+X)</translation>
    </message>
    <message>
        <source>Install…</source>
        <translation>Instalar…</translation>
    </message>
    <message>
        <source>Install the selected pack from its file: it is checked first, and you are asked to trust it where it needs trust (Enter)</source>
        <translation>Instalar o pacote selecionado a partir do arquivo: ele é verificado primeiro, e sua confiança é pedida quando necessário (Enter)</translation>
    </message>
    <message>
        <source>Device: looking…</source>
        <translation>Dispositivo: procurando…</translation>
    </message>
    <message>
        <source>Structure</source>
        <translation>Estrutura</translation>
    </message>
    <message>
        <source>Volume (mL)</source>
        <translation>Volume (mL)</translation>
    </message>
    <message>
        <source>Slices</source>
        <translation>Cortes</translation>
    </message>
    <message>
        <source>Left mL</source>
        <translation>Esquerda mL</translation>
    </message>
    <message>
        <source>Right mL</source>
        <translation>Direita mL</translation>
    </message>
    <message>
        <source>Total mL</source>
        <translation>Total mL</translation>
    </message>
    <message>
        <source>% ICV</source>
        <translation>% VIC</translation>
    </message>
    <message>
        <source>Volumetry</source>
        <translation>Volumetria</translation>
    </message>
    <message>
        <source>Class</source>
        <translation>Classe</translation>
    </message>
    <message>
        <source>Probability</source>
        <translation>Probabilidade</translation>
    </message>
    <message>
        <source>Explain</source>
        <translation>Explicar</translation>
    </message>
    <message>
        <source>Compute the attention map of the result (Ctrl+Shift+E)</source>
        <translation>Calcular o mapa de atenção do resultado (Ctrl+Shift+E)</translation>
    </message>
    <message>
        <source>Attention</source>
        <translation>Atenção</translation>
    </message>
    <message>
        <source>for</source>
        <translation>para</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Mostrar</translation>
    </message>
    <message>
        <source>Show a result saved earlier for this series</source>
        <translation>Mostrar um resultado salvo antes para esta série</translation>
    </message>
    <message>
        <source>Earlier</source>
        <translation>Anteriores</translation>
    </message>
    <message>
        <source>Save result…</source>
        <translation>Salvar resultado…</translation>
    </message>
    <message>
        <source>Write result.json, labels, DICOM SEG and heatmap</source>
        <translation>Gravar result.json, os rótulos, o DICOM SEG e o mapa de calor</translation>
    </message>
    <message>
        <source>Reading model packs…</source>
        <translation>Lendo pacotes de modelos…</translation>
    </message>
    <message>
        <source>AI: reading model packs</source>
        <translation>IA: lendo pacotes de modelos</translation>
    </message>
    <message>
        <source>Device: {device}</source>
        <translation>Dispositivo: {device}</translation>
    </message>
    <message>
        <source>No model pack named {name}</source>
        <translation>Nenhum pacote de modelo chamado {name}</translation>
    </message>
    <message>
        <source>AI: reading a saved result</source>
        <translation>IA: lendo um resultado salvo</translation>
    </message>
    <message>
        <source>{name} is offered as a file and not installed: choose Install… (it is checked first)</source>
        <translation>{name} é oferecido como arquivo e não está instalado: escolha Instalar… (ele é verificado primeiro)</translation>
    </message>
    <message>
        <source>{n} pack</source>
        <translation>{n} pacote</translation>
    </message>
    <message>
        <source>{n} packs</source>
        <translation>{n} pacotes</translation>
    </message>
    <message>
        <source>{n} suited</source>
        <translation>{n} adequado(s)</translation>
    </message>
    <message>
        <source>no checksums: its files cannot be verified</source>
        <translation>sem somas de verificação: seus arquivos não podem ser verificados</translation>
    </message>
    <message>
        <source>suits this series</source>
        <translation>adequado a esta série</translation>
    </message>
    <message>
        <source>(the full text is in the model card)</source>
        <translation>(o texto completo está na ficha do modelo)</translation>
    </message>
    <message>
        <source>unpacks to {size}</source>
        <translation>descompacta para {size}</translation>
    </message>
    <message>
        <source>offered as a file, not installed (Install… checks it first)</source>
        <translation>oferecido como arquivo, não instalado (Instalar… o verifica primeiro)</translation>
    </message>
    <message>
        <source>verified</source>
        <translation>verificada</translation>
    </message>
    <message>
        <source>Checksum {checksum}… ({state})</source>
        <translation>Soma de verificação {checksum}… ({state})</translation>
    </message>
    <message>
        <source>AI: reading the offered packs</source>
        <translation>IA: lendo os pacotes oferecidos</translation>
    </message>
    <message>
        <source>Cancelled; nothing was changed</source>
        <translation>Cancelado; nada foi alterado</translation>
    </message>
    <message>
        <source>{n} waiting: {names}</source>
        <translation>{n} aguardando: {names}</translation>
    </message>
    <message>
        <source>about {seconds} s left</source>
        <translation>restam cerca de {seconds} s</translation>
    </message>
    <message>
        <source>the model failed ({error}): {message}</source>
        <translation>o modelo falhou ({error}): {message}</translation>
    </message>
    <message>
        <source>not enough memory for this model: {message}</source>
        <translation>memória insuficiente para este modelo: {message}</translation>
    </message>
    <message>
        <source>AI: {message}</source>
        <translation>IA: {message}</translation>
    </message>
    <message>
        <source>AI: showing the saved result of {pack}</source>
        <translation>IA: exibindo o resultado salvo de {pack}</translation>
    </message>
    <message>
        <source>AI: {pack} finished on {device} in {seconds} s</source>
        <translation>IA: {pack} concluído em {device} em {seconds} s</translation>
    </message>
    <message>
        <source>not stated</source>
        <translation>não informado</translation>
    </message>
    <message>
        <source>not known</source>
        <translation>desconhecido</translation>
    </message>
    <message>
        <source>Volumetry: intracranial volume {icv} (from {source})</source>
        <translation>Volumetria: volume intracraniano {icv} (segundo {source})</translation>
    </message>
    <message>
        <source>AI {pack}</source>
        <translation>IA {pack}</translation>
    </message>
    <message>
        <source>{n} structures</source>
        <translation>{n} estruturas</translation>
    </message>
    <message>
        <source>out of distribution</source>
        <translation>fora da distribuição</translation>
    </message>
    <message>
        <source>not for diagnostic use</source>
        <translation>não destinado a uso diagnóstico</translation>
    </message>
    <message>
        <source>a picture that is not a DICOM series has no study folder to save beside</source>
        <translation>uma imagem que não é uma série DICOM não tem pasta de estudo ao lado da qual salvar</translation>
    </message>
    <message>
        <source>(no SEG: {error})</source>
        <translation>(sem SEG: {error})</translation>
    </message>
    <message>
        <source>AI result saved in {folder}</source>
        <translation>Resultado da IA salvo em {folder}</translation>
    </message>
    <message>
        <source>could not save the result: {error}</source>
        <translation>não foi possível salvar o resultado: {error}</translation>
    </message>
</context>
<context>
    <name>Card</name>
    <message>
        <source>none: the pack&apos;s own threshold {own}. A site threshold holds for this version only (checksum {checksum}): a new version of the pack needs its own calibration (outpost batch calibrate).</source>
        <extracomment>(field shown, metadata keys tried in order) The translation context of the &quot;Site threshold&quot; row (written out in the call: lupdate reads literals).</extracomment>
        <translation>nenhum: limiar próprio do pacote {own}. Um limiar do serviço vale apenas para esta versão (soma de verificação {checksum}): uma nova versão do pacote precisa da sua própria calibração (outpost batch calibrate).</translation>
    </message>
    <message>
        <source>{threshold}, from {source}; the pack&apos;s own threshold {own}. A site threshold holds for this version only (checksum {checksum}): a new version of the pack needs its own calibration (outpost batch calibrate).</source>
        <translation>{threshold}, de {source}; limiar próprio do pacote {own}. Um limiar do serviço vale apenas para esta versão (soma de verificação {checksum}): uma nova versão do pacote precisa da sua própria calibração (outpost batch calibrate).</translation>
    </message>
</context>
<context>
    <name>CatalogueTree</name>
    <message>
        <source>Model pack catalogue</source>
        <extracomment>How much of a licence a tooltip shows (the card shows it all). How wide the catalogue asks to be (pixels): its columns, and no more of the views&apos; room. The narrowest the name column gets when the columns are fitted to the catalogue&apos;s width.</extracomment>
        <translation>Catálogo de pacotes de modelos</translation>
    </message>
</context>
<context>
    <name>Input</name>
    <message>
        <source>{pack} is made for {modalities} images; this series is of unknown modality</source>
        <extracomment>The translation context of the sentences below (written out in each call: lupdate reads literals). Spacing further than this factor outside the training range is out of distribution. Intensities further than this fraction of the training range outside it are out of distribution. What a pack that records no statistics of its training inputs is shown as.</extracomment>
        <translation>{pack} foi feito para imagens {modalities}; a modalidade desta série é desconhecida</translation>
    </message>
    <message>
        <source>{pack} is made for {modalities} images; this series is {modality}</source>
        <translation>{pack} foi feito para imagens {modalities}; esta série é da modalidade {modality}</translation>
    </message>
    <message>
        <source>{pack} is made for {body_parts}; this series shows {body_part}</source>
        <translation>{pack} foi feito para a região {body_parts}; esta série mostra a região {body_part}</translation>
    </message>
    <message>
        <source>{pack} takes one grey-scale volume; this series is colour</source>
        <translation>{pack} requer um único volume em tons de cinza; esta série é colorida</translation>
    </message>
    <message>
        <source>{pack} takes one grey-scale volume; this series is a time series</source>
        <translation>{pack} requer um único volume em tons de cinza; esta série é uma série temporal</translation>
    </message>
    <message>
        <source>{pack} is a 2-D model for single images; this series has {slices} slices</source>
        <translation>{pack} é um modelo 2D para imagens únicas; esta série tem {slices} cortes</translation>
    </message>
    <message>
        <source>{pack} is a 3-D model; this series is a single image</source>
        <translation>{pack} é um modelo 3D; esta série é uma única imagem</translation>
    </message>
    <message>
        <source>this series ({shape}) is smaller than {pack} needs ({minimum})</source>
        <translation>esta série ({shape}) é menor do que {pack} precisa ({minimum})</translation>
    </message>
    <message>
        <source>unsuitable: {reason}</source>
        <translation>inadequado: {reason}</translation>
    </message>
    <message>
        <source>photometric interpretation {photometric}, trained on {trained}</source>
        <translation>interpretação fotométrica {photometric}, treinado com {trained}</translation>
    </message>
    <message>
        <source>view {view}, trained on {trained}</source>
        <translation>incidência {view}, treinado com {trained}</translation>
    </message>
    <message>
        <source>{what} {value} mm, trained on {trained} mm</source>
        <translation>{what} {value} mm, treinado com {trained} mm</translation>
    </message>
    <message>
        <source>modality {modality}, trained on {trained}</source>
        <translation>modalidade {modality}, treinado com {trained}</translation>
    </message>
    <message>
        <source>modality unknown, trained on {trained}</source>
        <translation>modalidade desconhecida, treinado com {trained}</translation>
    </message>
    <message>
        <source>{photometric} (inverted), trained on {trained}</source>
        <translation>{photometric} (invertido), treinado com {trained}</translation>
    </message>
    <message>
        <source>{photometric}, trained on {trained}</source>
        <translation>{photometric}, treinado com {trained}</translation>
    </message>
    <message>
        <source>bits stored {bits}, the model was trained on {trained}-bit images</source>
        <translation>bits armazenados {bits}, o modelo foi treinado com imagens de {trained} bits</translation>
    </message>
    <message>
        <source>intensities {first} to {last} (1st-99th percentile), trained on {low} to {high}</source>
        <translation>intensidades de {first} a {last} (percentil 1-99), treinado com {low} a {high}</translation>
    </message>
    <message>
        <source>pixel spacing</source>
        <translation>espaçamento de pixels</translation>
    </message>
    <message>
        <source>slice spacing</source>
        <translation>espaçamento entre cortes</translation>
    </message>
    <message>
        <source>pixel spacing ({axis})</source>
        <translation>espaçamento de pixels ({axis})</translation>
    </message>
    <message>
        <source>Out of distribution: {warnings}</source>
        <translation>Fora da distribuição: {warnings}</translation>
    </message>
    <message>
        <source>input not checked against the training data (the pack records no statistics of its training inputs)</source>
        <translation>entrada não verificada em relação aos dados de treinamento (o pacote não registra estatísticas dos seus dados de treinamento)</translation>
    </message>
    <message>
        <source>input checked against the training data: nothing differs</source>
        <translation>entrada verificada em relação aos dados de treinamento: nenhuma diferença</translation>
    </message>
    <message>
        <source>intensity: the median {median} lies outside the training range {low} to {high} (1st-99th percentile)</source>
        <translation>intensidade: a mediana {median} está fora da faixa de treinamento {low} a {high} (percentil 1-99)</translation>
    </message>
    <message>
        <source>intensity: nothing above {threshold}, where the training data had its body</source>
        <translation>intensidade: nada acima de {threshold}, onde estava o corpo nos dados de treinamento</translation>
    </message>
    <message>
        <source>intensity: the mean above {threshold} is {mean}, the training data&apos;s {trained} (more than 3 standard deviations away)</source>
        <translation>intensidade: a média acima de {threshold} é {mean}, a dos dados de treinamento {trained} (a mais de 3 desvios-padrão)</translation>
    </message>
    <message>
        <source>intensity: the mean is {mean}, the training data&apos;s {trained} (more than 3 standard deviations away)</source>
        <translation>intensidade: a média é {mean}, a dos dados de treinamento {trained} (a mais de 3 desvios-padrão)</translation>
    </message>
</context>
<context>
    <name>QPackInstallDialog</name>
    <message>
        <source>Install pack: {name}</source>
        <translation>Instalar pacote: {name}</translation>
    </message>
    <message>
        <source>Install</source>
        <translation>Instalar</translation>
    </message>
    <message>
        <source>Cannot be installed: {reason}</source>
        <translation>Não pode ser instalado: {reason}</translation>
    </message>
    <message>
        <source>Installing…</source>
        <translation>Instalando…</translation>
    </message>
    <message>
        <source>AI: installing {name}</source>
        <translation>IA: instalando {name}</translation>
    </message>
    <message>
        <source>Installed {name} {version}</source>
        <translation>{name} {version} instalado</translation>
    </message>
    <message>
        <source>Not installed: {error}</source>
        <translation>Não instalado: {error}</translation>
    </message>
</context>
<context>
    <name>QtAuditDialog</name>
    <message>
        <source>Audit log</source>
        <translation>Registro de auditoria</translation>
    </message>
    <message>
        <source>Filter: event, user, UID, pack, node…</source>
        <translation>Filtro: evento, usuário, UID, pacote, nó…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Atualizar</translation>
    </message>
</context>
<context>
    <name>QtExportDialog</name>
    <message>
        <source>Export series</source>
        <translation>Exportar série</translation>
    </message>
    <message>
        <source>a new or empty folder</source>
        <translation>uma pasta nova ou vazia</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Escolher…</translation>
    </message>
    <message>
        <source>Folder</source>
        <translation>Pasta</translation>
    </message>
    <message>
        <source>Anonymise (DICOM PS3.15 basic profile)</source>
        <translation>Anonimizar (perfil básico DICOM PS3.15)</translation>
    </message>
    <message>
        <source>Shift dates instead of removing them, by (days)</source>
        <translation>Deslocar as datas em vez de removê-las, em (dias)</translation>
    </message>
    <message>
        <source>New patient name</source>
        <translation>Novo nome do paciente</translation>
    </message>
    <message>
        <source>New patient ID</source>
        <translation>Novo ID do paciente</translation>
    </message>
    <message>
        <source>Press Review to see what will be removed before anything is written.</source>
        <translation>Pressione Revisar para ver o que será removido antes de gravar qualquer coisa.</translation>
    </message>
    <message>
        <source>Review</source>
        <translation>Revisar</translation>
    </message>
    <message>
        <source>Write</source>
        <translation>Gravar</translation>
    </message>
    <message>
        <source>Export into a new or empty folder</source>
        <translation>Exportar para uma pasta nova ou vazia</translation>
    </message>
    <message>
        <source>{n} file(s) will be copied unchanged.</source>
        <translation>{n} arquivo(s) serão copiados sem alteração.</translation>
    </message>
    <message>
        <source>Reading the files…</source>
        <translation>Lendo os arquivos…</translation>
    </message>
    <message>
        <source>Cannot anonymise: {error}</source>
        <translation>Não é possível anonimizar: {error}</translation>
    </message>
    <message>
        <source>Choose a folder first.</source>
        <translation>Escolha uma pasta primeiro.</translation>
    </message>
    <message>
        <source>Export failed: {error}</source>
        <translation>Falha na exportação: {error}</translation>
    </message>
    <message>
        <source>Exported {n} file(s) into {folder}</source>
        <translation>{n} arquivo(s) exportado(s) para {folder}</translation>
    </message>
</context>
<context>
    <name>QtMainWindow</name>
    <message>
        <source>Cancel</source>
        <extracomment>The files the annotations shown came from: ``(overlay, path)``, for the segment editor. What plugins said about the overlays they added: ``(overlay, provenance)``.</extracomment>
        <translation>Cancelar</translation>
    </message>
    <message>
        <source>Recent studies</source>
        <extracomment>The top-level menus by their English names (plugins name them so, :meth:`add_menu_action`).</extracomment>
        <translation>Estudos recentes</translation>
    </message>
    <message>
        <source>File windows and VOI LUT</source>
        <translation>Janelas do arquivo e VOI LUT</translation>
    </message>
    <message>
        <source>Network: study store, PACS, receiver</source>
        <translation>Rede: repositório de estudos, PACS, receptor</translation>
    </message>
    <message>
        <source>Tools</source>
        <translation>Ferramentas</translation>
    </message>
    <message>
        <source>Cine fps</source>
        <translation>Cine qps</translation>
    </message>
    <message>
        <source>Slab</source>
        <translation>Corte espesso</translation>
    </message>
    <message>
        <source>Thick slab: maximum (MIP), minimum (MinIP) or mean intensity over the thickness, in every view</source>
        <translation>Corte espesso: intensidade máxima (MIP), mínima (MinIP) ou média na espessura, em cada visualização</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Desligado</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Idioma</translation>
    </message>
    <message>
        <source>System language</source>
        <translation>Idioma do sistema</translation>
    </message>
    <message>
        <source>The language will change when Outpost is started again</source>
        <translation>O idioma mudará quando o Outpost for iniciado novamente</translation>
    </message>
    <message>
        <source>Nothing to undo: no segmentation is being edited</source>
        <translation>Nada a desfazer: nenhuma segmentação está sendo editada</translation>
    </message>
    <message>
        <source>loaded</source>
        <translation>carregado</translation>
    </message>
    <message>
        <source>failed: {error}</source>
        <translation>falhou: {error}</translation>
    </message>
    <message>
        <source>Plugin {name} was skipped: {error}</source>
        <translation>O plugin {name} foi ignorado: {error}</translation>
    </message>
    <message>
        <source>No plugins installed</source>
        <translation>Nenhum plugin instalado</translation>
    </message>
    <message>
        <source>Reading headers…</source>
        <translation>Lendo cabeçalhos…</translation>
    </message>
    <message>
        <source>Cannot show this series: {error}</source>
        <translation>Não é possível exibir esta série: {error}</translation>
    </message>
    <message>
        <source>Loading cancelled</source>
        <translation>Carregamento cancelado</translation>
    </message>
    <message>
        <source>Not shown ({n})</source>
        <translation>Não exibidos ({n})</translation>
    </message>
    <message>
        <source>No images found in what was opened</source>
        <translation>Nenhuma imagem encontrada no que foi aberto</translation>
    </message>
    <message>
        <source>Loading stopped: {error}</source>
        <translation>Carregamento interrompido: {error}</translation>
    </message>
    <message>
        <source>Loaded</source>
        <translation>Carregado</translation>
    </message>
    <message>
        <source>Showing {n} annotation layer(s): {names}</source>
        <translation>Exibindo {n} camada(s) de anotação: {names}</translation>
    </message>
    <message>
        <source>({n} edited since: hidden, tick it in Overlays)</source>
        <translation>({n} editada(s) desde então: oculta(s), marque-a em Sobreposições)</translation>
    </message>
    <message>
        <source>Not shown: {problems}</source>
        <translation>Não exibido: {problems}</translation>
    </message>
    <message>
        <source>Annotations: {error}</source>
        <translation>Anotações: {error}</translation>
    </message>
    <message>
        <source>Window {number}: W {width} / L {center}</source>
        <translation>Janela {number}: L {width} / N {center}</translation>
    </message>
    <message>
        <source>Measurements not kept: {error}</source>
        <translation>Medidas não guardadas: {error}</translation>
    </message>
    <message>
        <source>{n} measurement(s) kept from the last reading shown</source>
        <translation>{n} medida(s) guardada(s) da última leitura exibida(s)</translation>
    </message>
    <message>
        <source>Open a series first: its prior is looked for by the patient&apos;s ID</source>
        <translation>Abra uma série primeiro: o estudo anterior é procurado pelo ID do paciente</translation>
    </message>
    <message>
        <source>Scrolling synchronised from the slices shown</source>
        <translation>Rolagem sincronizada a partir dos cortes exibidos</translation>
    </message>
    <message>
        <source>Open a folder of DICOM files</source>
        <translation>Abrir uma pasta de arquivos DICOM</translation>
    </message>
    <message>
        <source>Open a DICOM file, .zip or DICOMDIR</source>
        <translation>Abrir um arquivo DICOM, .zip ou DICOMDIR</translation>
    </message>
    <message>
        <source>Open a series first: a segmentation or structure set is shown on its images</source>
        <translation>Abra uma série primeiro: uma segmentação ou RT Structure Set é exibido sobre suas imagens</translation>
    </message>
    <message>
        <source>Import DICOM SEG or RT Structure Set</source>
        <translation>Importar DICOM SEG ou RT Structure Set</translation>
    </message>
    <message>
        <source>Open a series first</source>
        <translation>Abra uma série primeiro</translation>
    </message>
    <message>
        <source>Image {n} marked; {count} key image(s)</source>
        <translation>Imagem {n} marcada; {count} imagem(ns)-chave</translation>
    </message>
    <message>
        <source>Image {n} unmarked; {count} key image(s)</source>
        <translation>Imagem {n} desmarcada; {count} imagem(ns)-chave</translation>
    </message>
    <message>
        <source>No key image is marked (K marks the image on screen)</source>
        <translation>Nenhuma imagem-chave está marcada (K marca a imagem na tela)</translation>
    </message>
    <message>
        <source>{n} key image(s) from the study&apos;s key object selection; Shift+K shows only them</source>
        <translation>{n} imagem(ns)-chave da Key Object Selection do estudo; Shift+K mostra somente elas</translation>
    </message>
    <message>
        <source>Save key images (KOS)</source>
        <translation>Salvar imagens-chave (KOS)</translation>
    </message>
    <message>
        <source>Saved {path}</source>
        <translation>Salvo: {path}</translation>
    </message>
    <message>
        <source>Save report as DICOM SR</source>
        <translation>Salvar laudo como DICOM SR</translation>
    </message>
    <message>
        <source>Export view as PNG</source>
        <translation>Exportar visualização como PNG</translation>
    </message>
</context>
<context>
    <name>QtMeasurementPanel</name>
    <message>
        <source>Kind</source>
        <translation>Tipo</translation>
    </message>
    <message>
        <source>Plane</source>
        <translation>Plano</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Valor</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Excluir</translation>
    </message>
</context>
<context>
    <name>QtNetworkPanel</name>
    <message>
        <source>Local study store</source>
        <translation>Repositório local de estudos</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Data</translation>
    </message>
    <message>
        <source>Patient</source>
        <translation>Paciente</translation>
    </message>
    <message>
        <source>ID</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Modality</source>
        <translation>Modalidade</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>Séries</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Imagens</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Tamanho</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>Descrição</translation>
    </message>
    <message>
        <source>Not opened yet</source>
        <translation>Ainda não aberto</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Atualizar</translation>
    </message>
    <message>
        <source>Import folder…</source>
        <translation>Importar pasta…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Abrir</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Excluir</translation>
    </message>
    <message>
        <source>{n} studies, {size} in {folder}</source>
        <translation>{n} estudos, {size} em {folder}</translation>
    </message>
    <message>
        <source>Import a folder, CD or USB stick into the store</source>
        <translation>Importar uma pasta, CD ou pen drive para o repositório</translation>
    </message>
    <message>
        <source>import</source>
        <translation>importação</translation>
    </message>
    <message>
        <source>Delete study</source>
        <translation>Excluir estudo</translation>
    </message>
    <message>
        <source>Delete this study from the local store? Its files are removed from this computer.</source>
        <translation>Excluir este estudo do repositório local? Seus arquivos serão removidos deste computador.</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Adicionar…</translation>
    </message>
    <message>
        <source>Add a node as AET@host:port</source>
        <translation>Adicionar um nó como AET@host:porta</translation>
    </message>
    <message>
        <source>Echo</source>
        <translation>Eco</translation>
    </message>
    <message>
        <source>Check the node answers (C-ECHO)</source>
        <translation>Verificar se o nó responde (C-ECHO)</translation>
    </message>
    <message>
        <source>YYYYMMDD, or YYYYMMDD-YYYYMMDD</source>
        <translation>AAAAMMDD, ou AAAAMMDD-AAAAMMDD</translation>
    </message>
    <message>
        <source>Patient name</source>
        <translation>Nome do paciente</translation>
    </message>
    <message>
        <source>Patient ID</source>
        <translation>ID do paciente</translation>
    </message>
    <message>
        <source>Study date</source>
        <translation>Data do estudo</translation>
    </message>
    <message>
        <source>Accession</source>
        <translation>Nº de acesso</translation>
    </message>
    <message>
        <source>C-MOVE needs the PACS to know this computer&apos;s receiver; WADO-RS needs the node&apos;s DICOMweb address</source>
        <translation>C-MOVE exige que o PACS conheça o receptor deste computador; WADO-RS exige o endereço DICOMweb do nó</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>Pesquisar</translation>
    </message>
    <message>
        <source>Retrieve</source>
        <translation>Recuperar</translation>
    </message>
    <message>
        <source>Send series shown</source>
        <translation>Enviar a série exibida</translation>
    </message>
    <message>
        <source>Send files…</source>
        <translation>Enviar arquivos…</translation>
    </message>
    <message>
        <source>Add a DICOM node</source>
        <translation>Adicionar um nó DICOM</translation>
    </message>
    <message>
        <source>AE title@host:port</source>
        <translation>Título AE@host:porta</translation>
    </message>
    <message>
        <source>{name} cancelled</source>
        <translation>{name} cancelado</translation>
    </message>
    <message>
        <source>echo</source>
        <translation>eco</translation>
    </message>
    <message>
        <source>The node answered in {ms} ms</source>
        <translation>O nó respondeu em {ms} ms</translation>
    </message>
    <message>
        <source>search</source>
        <translation>pesquisa</translation>
    </message>
    <message>
        <source>{n} studies found</source>
        <translation>{n} estudos encontrados</translation>
    </message>
    <message>
        <source>Retrieved {n} images ({new} new)</source>
        <translation>{n} imagens recuperadas ({new} novas)</translation>
    </message>
    <message>
        <source>{n} failed</source>
        <translation>{n} com falha</translation>
    </message>
    <message>
        <source>Open a series first</source>
        <translation>Abra uma série primeiro</translation>
    </message>
    <message>
        <source>Send DICOM files (e.g. a SEG or SR Outpost made)</source>
        <translation>Enviar arquivos DICOM (p. ex., um SEG ou SR criado pelo Outpost)</translation>
    </message>
    <message>
        <source>send</source>
        <translation>envio</translation>
    </message>
    <message>
        <source>{n} refused: {reason}</source>
        <translation>{n} recusado(s): {reason}</translation>
    </message>
    <message>
        <source>Sent {n} images</source>
        <translation>{n} imagens enviadas</translation>
    </message>
    <message>
        <source>Receive from modalities (storage SCP)</source>
        <translation>Receber das modalidades (SCP de armazenamento)</translation>
    </message>
    <message>
        <source>On</source>
        <translation>Ligado</translation>
    </message>
    <message>
        <source>Off by default: when on, this computer accepts DICOM images sent to it</source>
        <translation>Desligado por padrão: ligado, este computador aceita as imagens DICOM enviadas a ele</translation>
    </message>
    <message>
        <source>AE title</source>
        <translation>Título AE</translation>
    </message>
    <message>
        <source>port</source>
        <translation>porta</translation>
    </message>
    <message>
        <source>anyone (or e.g. CT1@10.0.0.5, MR2)</source>
        <translation>qualquer um (ou p. ex. CT1@10.0.0.5, MR2)</translation>
    </message>
    <message>
        <source>Calling AE titles allowed to send, each optionally @ an IP address or network; everyone else is refused. Saved in pacs.json.</source>
        <translation>Títulos AE chamadores autorizados a enviar, cada um opcionalmente @ um endereço IP ou rede; todos os outros são recusados. Salvo em pacs.json.</translation>
    </message>
    <message>
        <source>Allowed callers</source>
        <translation>Chamadores permitidos</translation>
    </message>
    <message>
        <source>Off</source>
        <translation>Desligado</translation>
    </message>
    <message>
        <source>Listening as {ae} on {host}:{port}, from {callers}</source>
        <translation>Escutando como {ae} em {host}:{port}, de {callers}</translation>
    </message>
    <message>
        <source>(other content under a stored UID: kept apart)</source>
        <translation>(outro conteúdo sob um UID já armazenado: guardado à parte)</translation>
    </message>
    <message>
        <source>(already stored)</source>
        <translation>(já armazenado)</translation>
    </message>
    <message>
        <source>Listening as {ae} on {host}:{port}; {n} received</source>
        <translation>Escutando como {ae} em {host}:{port}; {n} recebido(s)</translation>
    </message>
</context>
<context>
    <name>QtOverlayPanel</name>
    <message>
        <source>Outline only</source>
        <translation>Somente contorno</translation>
    </message>
    <message>
        <source>Opacity</source>
        <translation>Opacidade</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>Mostrar</translation>
    </message>
    <message>
        <source>Label</source>
        <translation>Rótulo</translation>
    </message>
    <message>
        <source>Colour map</source>
        <translation>Mapa de cores</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>Limiar</translation>
    </message>
</context>
<context>
    <name>QtPatientStudies</name>
    <message>
        <source>Patient&apos;s other studies</source>
        <translation>Outros estudos do paciente</translation>
    </message>
    <message>
        <source>Open beside</source>
        <translation>Abrir ao lado</translation>
    </message>
    <message>
        <source>Show the study&apos;s best matching series beside the current one (retrieved first when it is on the PACS)</source>
        <translation>Mostrar a série mais parecida do estudo ao lado da atual (recuperada primeiro quando está no PACS)</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Atualizar</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Fechar</translation>
    </message>
    <message>
        <source>Open a series first: the patient&apos;s studies are looked for by the patient&apos;s ID</source>
        <translation>Abra uma série primeiro: os estudos do paciente são procurados pelo ID do paciente</translation>
    </message>
    <message>
        <source>Looking on {node} too…</source>
        <translation>Procurando também em {node}…</translation>
    </message>
    <message>
        <source>Looking…</source>
        <translation>Procurando…</translation>
    </message>
    <message>
        <source>no date</source>
        <translation>sem data</translation>
    </message>
    <message>
        <source>1 other study</source>
        <translation>1 outro estudo</translation>
    </message>
    <message>
        <source>{n} other studies</source>
        <translation>{n} outros estudos</translation>
    </message>
    <message>
        <source>Retrieving from the PACS…</source>
        <translation>Recuperando do PACS…</translation>
    </message>
    <message>
        <source>Opening…</source>
        <translation>Abrindo…</translation>
    </message>
    <message>
        <source>Shown beside: {series}</source>
        <translation>Exibida ao lado: {series}</translation>
    </message>
</context>
<context>
    <name>QtPresentationChooser</name>
    <message>
        <source>Presentation states</source>
        <translation>Estados de apresentação</translation>
    </message>
    <message>
        <source>None: the images as stored, measurements as read</source>
        <translation>Nenhum: as imagens como armazenadas, as medidas como lidas</translation>
    </message>
    <message>
        <source>Saved with this study for the series shown:</source>
        <translation>Salvos com este estudo para a série exibida:</translation>
    </message>
</context>
<context>
    <name>QtSegmentEditor</name>
    <message>
        <source>Segmentation</source>
        <translation>Segmentação</translation>
    </message>
    <message>
        <source>The AI result or DICOM SEG to correct, or a new empty segmentation. It is never changed: editing makes a new segmentation.</source>
        <translation>O resultado da IA ou o DICOM SEG a corrigir, ou uma nova segmentação vazia. Nunca é alterado: a edição cria uma nova segmentação.</translation>
    </message>
    <message>
        <source>Start editing</source>
        <translation>Iniciar edição</translation>
    </message>
    <message>
        <source>Stop editing</source>
        <translation>Parar edição</translation>
    </message>
    <message>
        <source>Start from</source>
        <translation>Partir de</translation>
    </message>
    <message>
        <source>Segments</source>
        <translation>Segmentos</translation>
    </message>
    <message>
        <source>Click a row to paint into that segment; double-click a name to rename it and the colour to change it</source>
        <translation>Clique em uma linha para pintar nesse segmento; clique duas vezes em um nome para renomeá-lo e na cor para alterá-la</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Adicionar</translation>
    </message>
    <message>
        <source>Colour…</source>
        <translation>Cor…</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Remover</translation>
    </message>
    <message>
        <source>Brush</source>
        <translation>Pincel</translation>
    </message>
    <message>
        <source>Sphere (3-D)</source>
        <translation>Esfera (3D)</translation>
    </message>
    <message>
        <source>Paint a ball through the neighbouring slices, not a disc on the plane</source>
        <translation>Pintar uma esfera através dos cortes vizinhos, não um disco no plano</translation>
    </message>
    <message>
        <source>Radius</source>
        <translation>Raio</translation>
    </message>
    <message>
        <source>Only voxels in the intensity range</source>
        <translation>Somente os voxels no intervalo de intensidade</translation>
    </message>
    <message>
        <source>Intensity range, threshold and region growing</source>
        <translation>Intervalo de intensidade, limiar e crescimento de região</translation>
    </message>
    <message>
        <source>to</source>
        <translation>a</translation>
    </message>
    <message>
        <source>Range</source>
        <translation>Intervalo</translation>
    </message>
    <message>
        <source>Threshold into the active segment</source>
        <translation>Limiarizar no segmento ativo</translation>
    </message>
    <message>
        <source>Connected (the range)</source>
        <translation>Conectado (o intervalo)</translation>
    </message>
    <message>
        <source>Confidence connected (× SD)</source>
        <translation>Conectado por confiança (× DP)</translation>
    </message>
    <message>
        <source>Growing</source>
        <translation>Crescimento</translation>
    </message>
    <message>
        <source>Multiplier</source>
        <translation>Multiplicador</translation>
    </message>
    <message>
        <source>Operations on the active segment</source>
        <translation>Operações no segmento ativo</translation>
    </message>
    <message>
        <source>Fill between slices</source>
        <translation>Preencher entre cortes</translation>
    </message>
    <message>
        <source>Keep largest island</source>
        <translation>Manter a maior ilha</translation>
    </message>
    <message>
        <source>Remove islands under</source>
        <translation>Remover ilhas menores que</translation>
    </message>
    <message>
        <source>Median</source>
        <translation>Mediana</translation>
    </message>
    <message>
        <source>Closing (fill gaps)</source>
        <translation>Fechamento (preencher lacunas)</translation>
    </message>
    <message>
        <source>Smooth</source>
        <translation>Suavizar</translation>
    </message>
    <message>
        <source>Union with</source>
        <translation>União com</translation>
    </message>
    <message>
        <source>Subtract</source>
        <translation>Subtrair</translation>
    </message>
    <message>
        <source>Intersect with</source>
        <translation>Interseção com</translation>
    </message>
    <message>
        <source>Apply</source>
        <translation>Aplicar</translation>
    </message>
    <message>
        <source>History and saving</source>
        <translation>Histórico e salvamento</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Desfazer</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Refazer</translation>
    </message>
    <message>
        <source>Ctrl+Y or Ctrl+Shift+Z</source>
        <translation>Ctrl+Y ou Ctrl+Shift+Z</translation>
    </message>
    <message>
        <source>Save as DICOM SEG</source>
        <translation>Salvar como DICOM SEG</translation>
    </message>
    <message>
        <source>A new SEG series beside the study, referencing its images and the segmentation the editing started from</source>
        <translation>Uma nova série SEG ao lado do estudo, que referencia suas imagens e a segmentação de partida da edição</translation>
    </message>
    <message>
        <source>Empty segmentation</source>
        <translation>Segmentação vazia</translation>
    </message>
    <message>
        <source>Open a series first: a segmentation is edited on its images</source>
        <translation>Abra uma série primeiro: uma segmentação é editada sobre suas imagens</translation>
    </message>
    <message>
        <source>Cannot edit {name}: {error}</source>
        <translation>Não é possível editar {name}: {error}</translation>
    </message>
    <message>
        <source>{n} voxel(s) lay in more than one segment: each now belongs to the higher-numbered one</source>
        <translation>{n} voxel(s) estavam em mais de um segmento: cada um pertence agora ao de número mais alto</translation>
    </message>
    <message>
        <source>Editing {name}: choose a segment and a tool</source>
        <translation>Editando {name}: escolha um segmento e uma ferramenta</translation>
    </message>
    <message>
        <source>a new segmentation</source>
        <translation>uma nova segmentação</translation>
    </message>
    <message>
        <source>A new segmentation</source>
        <translation>Uma nova segmentação</translation>
    </message>
    <message>
        <source>From the AI result {name}</source>
        <translation>A partir do resultado da IA {name}</translation>
    </message>
    <message>
        <source>From the DICOM SEG {name}</source>
        <translation>A partir do DICOM SEG {name}</translation>
    </message>
    <message>
        <source>From the structure set {name}</source>
        <translation>A partir do RT Structure Set {name}</translation>
    </message>
    <message>
        <source>From {name}</source>
        <translation>A partir de {name}</translation>
    </message>
    <message>
        <source>(checksum {checksum}…)</source>
        <translation>(soma de verificação {checksum}…)</translation>
    </message>
    <message>
        <source>It is not changed: saving makes a new SEG series.</source>
        <translation>Ela não é alterada: salvar cria uma nova série SEG.</translation>
    </message>
    <message>
        <source>Editing stopped; the unsaved edits are kept and offered back when the series is opened</source>
        <translation>Edição interrompida; as edições não salvas são guardadas e oferecidas de novo ao abrir a série</translation>
    </message>
    <message>
        <source>unsaved</source>
        <translation>não salvo</translation>
    </message>
    <message>
        <source>Undo memory {used} of {budget}</source>
        <translation>Memória de desfazer {used} de {budget}</translation>
    </message>
    <message>
        <source>Nothing to undo</source>
        <translation>Nada a desfazer</translation>
    </message>
    <message>
        <source>Nothing to redo</source>
        <translation>Nada a refazer</translation>
    </message>
    <message>
        <source>Start editing and choose a segment first</source>
        <translation>Inicie a edição e escolha um segmento primeiro</translation>
    </message>
    <message>
        <source>Only a DICOM series can have a DICOM SEG: this picture has no series to refer to</source>
        <translation>Somente uma série DICOM pode ter um DICOM SEG: esta imagem não tem série a que se referir</translation>
    </message>
    <message>
        <source>Saving edited segmentations as DICOM SEG is not available in this version</source>
        <translation>Salvar segmentações editadas como DICOM SEG não está disponível nesta versão</translation>
    </message>
    <message>
        <source>The SEG was not saved: {error}</source>
        <translation>O SEG não foi salvo: {error}</translation>
    </message>
    <message>
        <source>Saving the edited SEG</source>
        <translation>Salvando o SEG editado</translation>
    </message>
    <message>
        <source>Saved as DICOM SEG: {path}</source>
        <translation>Salvo como DICOM SEG: {path}</translation>
    </message>
    <message>
        <source>Saved as DICOM SEG: {path}; edits made while it was written are not in it: save again</source>
        <translation>Salvo como DICOM SEG: {path}; as edições feitas durante a gravação não estão nele: salve novamente</translation>
    </message>
    <message>
        <source>Unsaved segment edits of this series were found ({what}). Restore them? (No discards them.)</source>
        <translation>Foram encontradas edições de segmentos não salvas desta série ({what}). Restaurá-las? (Não as descarta.)</translation>
    </message>
    <message>
        <source>Segment editor</source>
        <translation>Editor de segmentos</translation>
    </message>
    <message>
        <source>The unsaved edits were discarded</source>
        <translation>As edições não salvas foram descartadas</translation>
    </message>
    <message>
        <source>The edits were made on {name}, which is not shown now: show it (run the model or open the SEG), then open the series again</source>
        <translation>As edições foram feitas em {name}, que não está exibido agora: exiba-o (execute o modelo ou abra o SEG) e abra a série novamente</translation>
    </message>
    <message>
        <source>a segmentation</source>
        <translation>uma segmentação</translation>
    </message>
    <message>
        <source>The edits could not be restored: {error}</source>
        <translation>Não foi possível restaurar as edições: {error}</translation>
    </message>
    <message>
        <source>The unsaved edits were restored</source>
        <translation>As edições não salvas foram restauradas</translation>
    </message>
</context>
<context>
    <name>QtShortcutsDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>Atalhos de teclado</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>Teclas</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>Ação</translation>
    </message>
</context>
<context>
    <name>QtStudyBrowser</name>
    <message>
        <source>Patient / study / series</source>
        <extracomment>The :class:`~viewer.core.dicom.scan.SkippedFile` of a non-image object&apos;s row.</extracomment>
        <translation>Paciente / estudo / série</translation>
    </message>
    <message>
        <source>Mod</source>
        <translation>Mod</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Imagens</translation>
    </message>
    <message>
        <source>(no name)</source>
        <translation>(sem nome)</translation>
    </message>
    <message>
        <source>(study)</source>
        <translation>(estudo)</translation>
    </message>
    <message>
        <source>series {number}</source>
        <translation>série {number}</translation>
    </message>
    <message>
        <source>(not an image: not shown in the views)</source>
        <translation>(não é uma imagem: não exibido nas visualizações)</translation>
    </message>
</context>
<context>
    <name>QtTagBrowser</name>
    <message>
        <source>DICOM tags — {title}</source>
        <translation>Tags DICOM — {title}</translation>
    </message>
    <message>
        <source>Filter by tag, keyword or value</source>
        <translation>Filtrar por tag, palavra-chave ou valor</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>Tag</translation>
    </message>
    <message>
        <source>Keyword</source>
        <translation>Palavra-chave</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Valor</translation>
    </message>
    <message>
        <source>&lt;pixel data, {n} bytes&gt;</source>
        <translation>&lt;dados de pixels, {n} bytes&gt;</translation>
    </message>
    <message>
        <source>&lt;sequence of {n} item(s)&gt;</source>
        <translation>&lt;sequência de {n} item(ns)&gt;</translation>
    </message>
    <message>
        <source>item {n}</source>
        <translation>item {n}</translation>
    </message>
</context>
<context>
    <name>QtViewport</name>
    <message>
        <source>Open a study: File ▸ Open folder (Ctrl+O), or drop files here</source>
        <extracomment>The drag-and-drop format of a series from the study browser: its key, in ASCII. The brush radius in millimetres (0: no outline, e.g. a seed click). Whether the outline is drawn in the eraser&apos;s colour. A series was dropped here from the study browser: ``(viewport, series key)``. A line for the status bar (e.g. why a tool does nothing here). The reader zoomed or panned this view (the comparison links zoom and pan): ``(viewport)``. Other viewports&apos; slices on this plane: segments ``((row, col), (row, col))`` (see :meth:`viewer.model.layout.LayoutModel.reference_lines`). The segment editor&apos;s brush while it is chosen (the left button paints), else ``None``.</extracomment>
        <translation>Abra um estudo: Arquivo ▸ Abrir pasta (Ctrl+O), ou solte arquivos aqui</translation>
    </message>
    <message>
        <source>Key image</source>
        <translation>Imagem-chave</translation>
    </message>
    <message>
        <source>({n} marked, only these shown)</source>
        <translation>({n} marcada(s), somente estas exibidas)</translation>
    </message>
    <message>
        <source>Time {n}/{total}</source>
        <translation>Tempo {n}/{total}</translation>
    </message>
    <message>
        <source>Measurements are made on acquired planes: turn off true reformats and reset the oblique crosshair (Ctrl+Alt+0) to measure</source>
        <translation>As medidas são feitas nos planos adquiridos: desligue as reconstruções verdadeiras e endireite o cursor em cruz oblíquo (Ctrl+Alt+0) para medir</translation>
    </message>
    <message>
        <source>Segments are painted on acquired planes: turn off true reformats and reset the oblique crosshair (Ctrl+Alt+0) to paint</source>
        <translation>Os segmentos são pintados nos planos adquiridos: desligue as reconstruções verdadeiras e endireite o cursor em cruz oblíquo (Ctrl+Alt+0) para pintar</translation>
    </message>
    <message>
        <source>Segments are painted on one plane: turn off the thick slab to paint</source>
        <translation>Os segmentos são pintados em um só plano: desligue o corte espesso para pintar</translation>
    </message>
</context>
<context>
    <name>WorklistPanel</name>
    <message>
        <source>No batch open</source>
        <translation>Nenhum lote aberto</translation>
    </message>
    <message>
        <source>Every status</source>
        <translation>Todos os estados</translation>
    </message>
    <message>
        <source>Flagged or not</source>
        <translation>Sinalizadas ou não</translation>
    </message>
    <message>
        <source>Flagged</source>
        <translation>Sinalizadas</translation>
    </message>
    <message>
        <source>Not flagged</source>
        <translation>Não sinalizadas</translation>
    </message>
    <message>
        <source>from: any date</source>
        <translation>de: qualquer data</translation>
    </message>
    <message>
        <source>Studies dated from this day (the earliest date: any)</source>
        <translation>Estudos datados a partir deste dia (a data mais antiga: qualquer)</translation>
    </message>
    <message>
        <source>until: any date</source>
        <translation>até: qualquer data</translation>
    </message>
    <message>
        <source>Studies dated until this day (the earliest date: any)</source>
        <translation>Estudos datados até este dia (a data mais antiga: qualquer)</translation>
    </message>
    <message>
        <source>Worklist</source>
        <translation>Lista de trabalho</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Abrir</translation>
    </message>
    <message>
        <source>Open the study with its result (Enter or double click)</source>
        <translation>Abrir o estudo com seu resultado (Enter ou clique duplo)</translation>
    </message>
    <message>
        <source>Read</source>
        <translation>Lido</translation>
    </message>
    <message>
        <source>Mark as read, or not (R)</source>
        <translation>Marcar como lido, ou não (R)</translation>
    </message>
    <message>
        <source>Agree</source>
        <translation>Concordo</translation>
    </message>
    <message>
        <source>Agree with the AI&apos;s result (A)</source>
        <translation>Concordo com o resultado da IA (A)</translation>
    </message>
    <message>
        <source>Disagree</source>
        <translation>Discordo</translation>
    </message>
    <message>
        <source>Disagree with the AI&apos;s result (D)</source>
        <translation>Discordo do resultado da IA (D)</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Atualizar</translation>
    </message>
    <message>
        <source>Read the batch and its threshold again</source>
        <translation>Ler novamente o lote e seu limiar</translation>
    </message>
    <message>
        <source>Batch {name}: reading…</source>
        <translation>Lote {name}: lendo…</translation>
    </message>
    <message>
        <source>Batch {name}</source>
        <translation>Lote {name}</translation>
    </message>
    <message>
        <source>Batch {name} · {pack} · {n} series ({done}) · {flagged} flagged</source>
        <translation>Lote {name} · {pack} · {n} séries ({done}) · {flagged} sinalizada(s)</translation>
    </message>
    <message>
        <source>none</source>
        <translation>nenhuma</translation>
    </message>
    <message>
        <source>Threshold {threshold}</source>
        <translation>Limiar {threshold}</translation>
    </message>
    <message>
        <source>No series match these filters</source>
        <translation>Nenhuma série corresponde a estes filtros</translation>
    </message>
    <message>
        <source>The mark was not kept: {error}</source>
        <translation>A marcação não foi guardada: {error}</translation>
    </message>
    <message>
        <source>Finding the study&apos;s files…</source>
        <translation>Procurando os arquivos do estudo…</translation>
    </message>
    <message>
        <source>Opening the study…</source>
        <translation>Abrindo o estudo…</translation>
    </message>
    <message>
        <source>Another series of the study is shown: choose the batch&apos;s series in the browser</source>
        <translation>Outra série do estudo está exibida: escolha a série do lote no navegador</translation>
    </message>
    <message>
        <source>The AI panel is not there to show the result</source>
        <translation>O painel de IA não está presente para exibir o resultado</translation>
    </message>
</context>
</TS>
